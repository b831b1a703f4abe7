"""Availability versions an expert's cached rules with its own stamp (RulesStamp), never by writing
the experts app's Expert row: a change of the rules moves the stamp and leaves the expert alone."""
import pytest
from django.db import transaction

from serene.availability.models import DateOverride, RulesStamp, WeeklySchedule
from serene.availability.selectors import rules_cache_key
from serene.availability.services import availability_parse, availability_update
from serene.experts.models import Expert
from tests.bookings.helpers import next_weekday
from tests.factories import ExpertFactory


@pytest.mark.django_db
def test_a_change_of_the_rules_moves_their_stamp_and_not_the_expert():
    expert = ExpertFactory()
    before = Expert.objects.values_list("updated_at", flat=True).get(pk=expert.pk)
    key = rules_cache_key(Expert.objects.get(pk=expert.pk))
    change = availability_parse(expert=expert, body={"breakTimes": [{"start": "13:00", "end": "14:00", "days": [1]}]})
    availability_update(expert=expert, change=change)
    assert Expert.objects.values_list("updated_at", flat=True).get(pk=expert.pk) == before
    assert RulesStamp.objects.filter(expert=expert).exists()
    assert rules_cache_key(Expert.objects.get(pk=expert.pk)) != key
    key = rules_cache_key(Expert.objects.get(pk=expert.pk))
    availability_update(expert=expert, change=availability_parse(expert=expert, body={"slotInterval": 30}))
    assert Expert.objects.get(pk=expert.pk).slot_interval_minutes == 30  # stored by the experts app
    assert rules_cache_key(Expert.objects.get(pk=expert.pk)) != key  # the expert's updated_at is in the key too


@pytest.mark.django_db(transaction=True)
def test_an_expert_deleted_with_their_rules_leaves_no_stamp_behind():
    """Deleting the rules moves only a stamp that exists, so the cascade of an expert's deletion does
    not write a stamp for an expert that is going (the foreign key would refuse it at commit)."""
    expert = ExpertFactory()
    WeeklySchedule.objects.create(expert=expert)
    DateOverride.objects.create(expert=expert, start_date=next_weekday(), end_date=next_weekday())
    assert RulesStamp.objects.filter(expert=expert).exists()
    with transaction.atomic():
        Expert.objects.filter(pk=expert.pk).delete()
    assert not RulesStamp.objects.exists() and not DateOverride.objects.exists()


# --- Races: a change of the rules against a reader filling the cache, and stamps written at once ----

def _rules_now(expert_id: int):
    from django.utils import timezone

    from serene.availability.selectors import cached_rules
    return cached_rules(Expert.objects.get(pk=expert_id), now=timezone.now())


def _change(expert: Expert, day_off: str) -> None:
    """New weekly hours (10:00-12:00 on Tuesdays) and a day off, in one transaction."""
    body = {"workingHours": {"1": {"start": "10:00", "end": "12:00", "enabled": True}},
            "dateOverrides": [{"date": day_off, "available": False}]}
    availability_update(expert=expert, change=availability_parse(expert=expert, body=body))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("point", ["serene.availability.selectors.rules_cache_key",
                                   "serene.availability.selectors.schedule_of"])
def test_a_reader_filling_the_cache_while_the_rules_change_never_leaves_the_old_rules_to_later_readers(point):
    """The reader stops after reading the stamp (its cache key), or after the weekly hours but before
    the overrides, while the change commits; what it caches is under the old stamp, so the next reader
    sees the change whole."""
    from django.core.cache import caches

    from serene.availability.selectors import RULES_CACHE
    from tests.interleave import paused_at

    caches[RULES_CACHE].clear()
    expert = ExpertFactory(time_zone="UTC")
    WeeklySchedule.objects.create(expert=expert)  # the defaults; the stamp exists from here
    day_off = next_weekday().isoformat()
    with paused_at(point, when="after") as pause:
        reader = pause.run(lambda: _rules_now(expert.pk))
        writer = pause.run_rival(lambda: _change(expert, day_off))
        writer.result()
        pause.release()
    reader.result()
    after = _rules_now(expert.pk)
    assert [(r.start.isoformat(), r.end.isoformat()) for r in after.weekly[1]] == [("10:00:00", "12:00:00")]
    assert after.overrides[next_weekday()] == ()


@pytest.mark.django_db(transaction=True)
def test_stamps_written_at_once_for_an_expert_without_one_make_one_row_and_no_error():
    """The first change of two editors (or an editor and the admin) at the same moment: one upsert wins
    the insert, the other updates it, on both databases."""
    from serene.availability.services import rules_stamp_move
    from tests.interleave import run_at_once

    expert = ExpertFactory()
    assert not RulesStamp.objects.filter(expert=expert).exists()
    results = run_at_once([lambda: rules_stamp_move(expert_id=expert.pk) for _ in range(8)])
    assert results == [None] * 8
    assert RulesStamp.objects.filter(expert=expert).count() == 1
