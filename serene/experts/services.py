"""Writes to the expert catalogue: staff verification of an expert's registration, the rating
figures that bookings computes from reviews, and the booking settings the availability editor changes.

Only this module writes an Expert row; other apps call it (docs/architecture.md, "Each app writes
its own models")."""
from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from serene.accounts.models import User
from serene.core.errors import InvalidInput, NotFound

from .models import Expert

CREDENTIAL_FIELDS = ("registration_body", "registration_number")


@transaction.atomic
def expert_mark_verified(*, expert_id: int, by: User) -> Expert:
    """Staff confirm the registration shown on the profile. Idempotent: the first check stands.

    The row is locked so a change to the registration cannot slip between the check and the mark.
    """
    expert = Expert.objects.select_for_update(of=("self",)).filter(pk=expert_id).first()
    if expert is None:
        raise NotFound("There is no expert with that id.")
    if not (expert.registration_body.strip() and expert.registration_number.strip()):
        raise InvalidInput(f"{expert.name} has no registration body and number to verify.", field="registration_number")
    if expert.verified_at is None:
        expert.verified_at, expert.verified_by = timezone.now(), by
        expert.save(update_fields=["verified_at", "verified_by", "updated_at"])
    return expert


@transaction.atomic
def expert_credentials_update(*, expert_id: int, qualifications: str, registration_body: str,
                              registration_number: str) -> Expert:
    """Change the credentials; a different registration is no longer the one staff verified."""
    expert = Expert.objects.select_for_update(of=("self",)).get(pk=expert_id)
    changed = (registration_body.strip(), registration_number.strip()) != (expert.registration_body.strip(),
                                                                           expert.registration_number.strip())
    expert.qualifications = qualifications
    expert.registration_body, expert.registration_number = registration_body.strip(), registration_number.strip()
    fields = ["qualifications", "registration_body", "registration_number", "updated_at"]
    if changed and expert.verified_at is not None:
        expert.verified_at, expert.verified_by = None, None
        fields += ["verified_at", "verified_by"]
    expert.save(update_fields=fields)
    return expert


def expert_rating_set(*, expert: Expert, average: Decimal, count: int) -> Expert:
    """Store the rating figures of an expert, which bookings computes from its reviews
    (bookings.reviews.expert_rating_refresh). The caller holds the expert's row lock in its
    transaction (serene.core.locking: expert first, then the booking reviewed), so two reviews at
    once write one after the other, each from every review committed before it."""
    if not connection.in_atomic_block:
        raise RuntimeError("expert_rating_set must run inside the transaction that locked the expert")
    if not Decimal(0) <= average <= Decimal(5) or count < 0:
        raise ValueError(f"A rating average lies between 0 and 5 and a count is not negative: {average}, {count}.")
    expert.rating_average, expert.rating_count = average, count
    expert.save(update_fields=["rating_average", "rating_count", "updated_at"])
    return expert


# The booking settings an expert changes with their availability (availability.services.availability_update).
BOOKING_SETTING_FIELDS = ("time_zone", "slot_interval_minutes", "offered_durations", "buffer_minutes",
                          "minimum_notice_hours", "booking_horizon_days")


def expert_booking_settings_update(*, expert: Expert, **settings_changed) -> Expert:
    """Store the booking settings the availability editor checked (time zone, slot interval, session
    lengths, buffer, notice, horizon). The caller holds the expert's row lock in its transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("expert_booking_settings_update must run inside the transaction that locked the expert")
    unknown = set(settings_changed) - set(BOOKING_SETTING_FIELDS)
    if unknown:
        raise ValueError(f"Not booking settings of an expert: {', '.join(sorted(unknown))}.")
    if not settings_changed:
        return expert
    for name, value in settings_changed.items():
        setattr(expert, name, value)
    expert.save(update_fields=[*settings_changed, "updated_at"])
    return expert
