"""Experts, their categories and languages: the catalogue customers browse."""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from serene.core.models import TimeStampedModel
from serene.core.money import price_for_duration
from serene.core.timezones import validate_time_zone

OFFERED_DURATION_CHOICES = (30, 60, 90, 120)
SLOT_INTERVAL_CHOICES = ((15, "15 minutes"), (30, "30 minutes"), (60, "60 minutes"))


def default_offered_durations() -> list[int]:
    return [30, 60, 90]


def validate_offered_durations(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Offer at least one session length.")
    if any(item not in OFFERED_DURATION_CHOICES for item in value) or len(set(value)) != len(value):
        raise ValidationError("Session lengths must be distinct values from 30, 60, 90 and 120 minutes.")


def validate_avatar_size(value) -> None:
    if value and value.size > settings.AVATAR_MAX_BYTES:
        raise ValidationError(f"The photo is too large; the limit is {settings.AVATAR_MAX_BYTES // (1024 * 1024)} MB.")


class Category(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=80, unique=True)
    description = models.CharField(max_length=240, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ("position", "name")
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Language(models.Model):
    code = models.SlugField(max_length=12, unique=True)
    name = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class Expert(TimeStampedModel):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="expert")
    slug = models.SlugField(max_length=80, unique=True, help_text="Public id used in addresses and the API.")
    headline = models.CharField(max_length=140)
    bio = models.TextField()
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="experts")
    languages = models.ManyToManyField(Language, related_name="experts", blank=True)
    avatar = models.ImageField(upload_to="avatars/", blank=True, validators=[validate_avatar_size])
    years_experience = models.PositiveSmallIntegerField(default=0)
    hourly_rate_minor = models.PositiveIntegerField(help_text="Hourly rate in minor units (paise).")
    currency = models.CharField(max_length=3, default="INR")
    time_zone = models.CharField(max_length=64, default="Asia/Kolkata", validators=[validate_time_zone])
    offered_durations = models.JSONField(default=default_offered_durations, validators=[validate_offered_durations])
    slot_interval_minutes = models.PositiveSmallIntegerField(choices=SLOT_INTERVAL_CHOICES, default=15)
    buffer_minutes = models.PositiveSmallIntegerField(default=0, help_text="Kept free after each session.")
    minimum_notice_hours = models.PositiveSmallIntegerField(default=4)
    booking_horizon_days = models.PositiveSmallIntegerField(default=60)
    requires_approval = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=0)
    rating_count = models.PositiveIntegerField(default=0)
    # Credentials shown on the profile. Staff check the registration with its body and mark the
    # expert verified; a change to the registration clears the mark (services.expert_credentials_update).
    qualifications = models.TextField(blank=True, help_text="One qualification a line, e.g. M.Phil. Clinical Psychology, NIMHANS (2014).")
    registration_body = models.CharField(max_length=120, blank=True, help_text="e.g. Rehabilitation Council of India.")
    registration_number = models.CharField(max_length=60, blank=True)
    verified_at = models.DateTimeField(null=True, blank=True, help_text="When staff checked the registration.")
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    # Without an uploaded photo: the initials, or (demo experts) a generated illustrated portrait.
    generated_portrait = models.BooleanField(default=False, help_text="Without a photo, show an illustrated portrait "
                                                                      "instead of initials (demo data).")

    class Meta:
        ordering = ("user__name",)
        # The browse orders, over active experts: by price, or by rating and then review count, so a
        # first page reads only the few at the top, not every expert sharing the top average. Partial
        # (WHERE is_active) rather than led by is_active: SQLite uses an index for a bare boolean
        # condition only when it is the index's own condition (bench/scale.py, 10,000 experts).
        # The third lets PostgreSQL count the page's total (active experts with an active user) from a
        # narrow index instead of the wide table: still every active expert, at about half the cost.
        indexes = [models.Index(fields=["hourly_rate_minor"], condition=Q(is_active=True), name="expert_active_rate_idx"),
                   models.Index(fields=["-rating_average", "-rating_count"], condition=Q(is_active=True),
                                name="expert_active_rating_idx"),
                   models.Index(fields=["user"], condition=Q(is_active=True), name="expert_active_user_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate_minor__gte=100), name="expert_rate_at_least_one_unit"),
            models.CheckConstraint(condition=Q(slot_interval_minutes__in=[15, 30, 60]), name="expert_slot_interval_valid"),
            models.CheckConstraint(condition=Q(booking_horizon_days__gte=1), name="expert_horizon_positive"),
        ]

    def __str__(self) -> str:
        return self.user.name

    @property
    def name(self) -> str:
        return self.user.name

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def qualification_list(self) -> list[str]:
        return [line.strip() for line in self.qualifications.splitlines() if line.strip()]

    def durations_with_prices(self) -> list[tuple[int, int]]:
        return [(minutes, price_for_duration(hourly_rate_minor=self.hourly_rate_minor, duration_minutes=minutes))
                for minutes in sorted(self.offered_durations)]
