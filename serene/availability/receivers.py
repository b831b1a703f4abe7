"""Keep the cache of expanded rules honest for edits made outside availability_update (the admin, a
shell): a saved or deleted schedule or date override moves its expert's RulesStamp on, in the same
transaction, and the cache key holds the stamp (selectors.rules_cache_key). Availability's own
models only; connected in apps.py.

availability_update moves the stamp itself too, since bulk_create sends no signals."""
from __future__ import annotations

from .services import rules_stamp_move


def rules_saved(sender, instance, raw: bool = False, **kwargs) -> None:
    rules_stamp_move(expert_id=instance.expert_id)


def rules_deleted(sender, instance, **kwargs) -> None:
    # Only a stamp that exists moves: an expert being deleted (their rules with them) gets no new one.
    rules_stamp_move(expert_id=instance.expert_id, existing_only=True)
