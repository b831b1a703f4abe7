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
