"""An expert's availability rules: weekly hours, breaks and date overrides, in wall-clock time.

The time zone and policy knobs (interval, durations, buffer, notice, horizon) live on Expert, which
the experts app writes (experts.services.expert_booking_settings_update). RulesStamp is this app's
own record of when an expert's rules last changed: the version in the key of their cached rules.
"""
from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from serene.core.models import TimeStampedModel
from serene.experts.models import Expert

# The longest buffer an expert may keep after each session (the availability API refuses more).
MAX_BUFFER_MINUTES = 120


def default_weekly_hours() -> dict[str, list[dict[str, str]]]:
    """The brief's default: Monday–Friday 09:00–17:00, weekends off (keys: 0 = Sunday)."""
    workday = [{"start": "09:00", "end": "17:00"}]
    return {"0": [], "1": workday, "2": workday, "3": workday, "4": workday, "5": workday, "6": []}


class WeeklySchedule(TimeStampedModel):
    """Weekly hours (several ranges a day) and recurring breaks. Absent means the defaults."""

    expert = models.OneToOneField(Expert, on_delete=models.CASCADE, related_name="schedule")
    # {"0": [{"start": "09:00", "end": "12:00"}, ...], ..., "6": []}
    weekly_hours = models.JSONField(default=default_weekly_hours)
    # [{"start": "13:00", "end": "14:00", "days": [1, 2, 3, 4, 5]}]
    breaks = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return f"Schedule of {self.expert}"


class DateOverride(TimeStampedModel):
    """A day off, a range of days off, or other hours on the dates from start_date to end_date."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="date_overrides")
    start_date = models.DateField()
    end_date = models.DateField()
    # Empty: not working on these dates. Otherwise the hours that replace the weekly ones.
    ranges = models.JSONField(default=list, blank=True)
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ("start_date",)
        indexes = [models.Index(fields=["expert", "start_date", "end_date"])]
        constraints = [models.CheckConstraint(condition=Q(end_date__gte=F("start_date")),
                                              name="override_end_not_before_start")]

    @property
    def is_day_off(self) -> bool:
        return not self.ranges

    def __str__(self) -> str:
        return f"{self.expert}: {self.start_date}–{self.end_date}"


class RulesStamp(models.Model):
    """When an expert's weekly hours, breaks or date overrides last changed: the version in the key of
    their cached rules (selectors.rules_cache_key). Moved on in the transaction of every change, by
    services.availability_update and, for edits made elsewhere (the admin), by receivers.py.

    No row means no change since the stamps began (migration 0002 gave every expert one), and the
    key says "none"; the first change makes the row."""

    expert = models.OneToOneField(Expert, on_delete=models.CASCADE, primary_key=True, related_name="rules_stamp")
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Rules of {self.expert_id} changed at {self.changed_at:%Y-%m-%d %H:%M:%S.%f}"
