"""The data migrations that store legacy zone names (Asia/Calcutta) under their current names."""
import importlib

import pytest
from django.apps import apps

from serene.accounts.models import User
from serene.bookings.models import Booking
from serene.bookings.services import booking_hold
from serene.experts.models import Expert
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


def migration(name: str):
    return importlib.import_module(f"serene.{name}")


def test_users_experts_and_bookings_move_to_current_names_and_nothing_else_changes():
    expert = ExpertFactory(minimum_notice_hours=0)
    booking = booking_hold(customer=UserFactory(), expert=expert, starts_at=at(next_weekday(), 10), duration_minutes=60)
    kept = UserFactory(time_zone="Europe/Oslo")  # a real place tzdata merged into Berlin: not an alias
    old = UserFactory()
    User.objects.filter(pk=old.pk).update(time_zone="Asia/Calcutta")
    User.objects.filter(pk=expert.user_id).update(time_zone="US/Eastern")
    Expert.objects.filter(pk=expert.pk).update(time_zone="Europe/Kiev")
    Booking.objects.filter(pk=booking.pk).update(customer_time_zone="America/Buenos_Aires")

    migration("accounts.migrations.0002_time_zone_canonical").users_time_zone_canonical(apps, None)
    migration("experts.migrations.0002_time_zone_canonical").experts_time_zone_canonical(apps, None)
    migration("bookings.migrations.0005_customer_time_zone_canonical").bookings_customer_time_zone_canonical(apps, None)

    zones = dict(User.objects.values_list("pk", "time_zone"))
    assert (zones[old.pk], zones[expert.user_id], zones[kept.pk]) == ("Asia/Kolkata", "America/New_York", "Europe/Oslo")
    assert Expert.objects.get(pk=expert.pk).time_zone == "Europe/Kyiv"
    assert Booking.objects.get(pk=booking.pk).customer_time_zone == "America/Argentina/Buenos_Aires"
    # Run again (a migration re-applied after a reverse, which does nothing): nothing left to change.
    migration("accounts.migrations.0002_time_zone_canonical").users_time_zone_canonical(apps, None)
    assert dict(User.objects.values_list("pk", "time_zone")) == zones
