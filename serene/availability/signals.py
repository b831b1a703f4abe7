"""Keep the cache of expanded rules honest: any saved or deleted schedule or date override moves its
expert's updated_at on, in the same transaction, and the cache key holds updated_at (selectors.py).

availability_update moves it on itself too, since bulk_create sends no signals."""
from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from serene.experts.models import Expert

from .models import DateOverride, WeeklySchedule


def expert_rules_changed(*, expert_id: int) -> None:
    Expert.objects.filter(pk=expert_id).update(updated_at=timezone.now())


@receiver(post_save, sender=WeeklySchedule, dispatch_uid="availability-schedule-saved")
@receiver(post_delete, sender=WeeklySchedule, dispatch_uid="availability-schedule-deleted")
@receiver(post_save, sender=DateOverride, dispatch_uid="availability-override-saved")
@receiver(post_delete, sender=DateOverride, dispatch_uid="availability-override-deleted")
def _rules_changed(sender, instance, **kwargs) -> None:
    expert_rules_changed(expert_id=instance.expert_id)
