"""The expert's row lock: every change to an expert's calendar (a hold, a booking's move, new
availability rules) takes it first, so a change of rules never lands in the middle of a hold
checking them. Where it stands in the order of all row locks: bookings/locks.py."""
from __future__ import annotations

from serene.core.locking import locks_begin

from .models import Expert


def lock_expert(*, expert_id: int) -> Expert:
    locks_begin()
    return Expert.objects.select_for_update(of=("self",)).get(pk=expert_id)
