"""Writes to the expert catalogue: staff verification of an expert's registration."""
from __future__ import annotations

from django.db import transaction
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
