from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "serene.availability"
    label = "availability"
    verbose_name = "Availability"

    def ready(self) -> None:
        # Edits of the rules made anywhere move the rules cache's stamp (receivers.py).
        from django.db.models.signals import post_delete, post_save

        from .models import DateOverride, WeeklySchedule
        from .receivers import rules_deleted, rules_saved

        for model in (WeeklySchedule, DateOverride):
            post_save.connect(rules_saved, sender=model, dispatch_uid=f"availability-{model.__name__}-saved")
            post_delete.connect(rules_deleted, sender=model, dispatch_uid=f"availability-{model.__name__}-deleted")
