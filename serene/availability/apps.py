from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "serene.availability"
    label = "availability"
    verbose_name = "Availability"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the receivers that keep the rules cache honest)
