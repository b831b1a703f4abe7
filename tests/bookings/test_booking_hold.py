"""booking_hold: prices on the server, holds a slot, refuses taken or invalid ones."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from serene.accounts.models import User
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.services import booking_hold
from serene.core.errors import InvalidInput, SlotTaken
from tests.factories import ExpertFactory, UserFactory

from .helpers import at, next_weekday

pytestmark = pytest.mark.django_db


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0, buffer_minutes=0)


def test_hold_creates_a_pending_booking_priced_on_the_server(sarah, settings):
    settings.HOLD_MINUTES = 10
    customer = UserFactory(time_zone="Europe/London")
    day = next_weekday()
    booking = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=90)
    assert booking.status == BookingStatus.PENDING
    assert booking.price_minor == 225000 and booking.currency == "INR"
    assert booking.ends_at - booking.starts_at == timedelta(minutes=90)
    assert timedelta(minutes=9) < booking.hold_expires_at - timezone.now() <= timedelta(minutes=10)
    assert booking.customer_time_zone == "Europe/London"


def test_a_hold_keeps_the_customers_zone_under_its_current_name(sarah):
    customer = UserFactory()
    User.objects.filter(pk=customer.pk).update(time_zone="Asia/Calcutta")  # an account from before names were kept current
    customer.refresh_from_db()
    booking = booking_hold(customer=customer, expert=sarah, starts_at=at(next_weekday(), 10), duration_minutes=60)
    assert Booking.objects.get(pk=booking.pk).customer_time_zone == "Asia/Kolkata"


def test_a_taken_slot_raises_slot_taken_409(sarah):
    day = next_weekday()
    booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    with pytest.raises(SlotTaken) as error:
        booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10, 30), duration_minutes=30)
    assert error.value.status == 409 and error.value.code == "slot_taken"


def test_the_same_customer_asking_again_gets_the_same_hold(sarah):
    customer, day = UserFactory(), next_weekday()
    first = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    again = booking_hold(customer=customer, expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    assert again.pk == first.pk and Booking.objects.count() == 1


def test_an_expired_hold_is_marked_expired_and_frees_the_slot(sarah):
    day = next_weekday()
    old = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    Booking.objects.filter(pk=old.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    new = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10, 30), duration_minutes=60)
    old.refresh_from_db()
    assert old.status == BookingStatus.EXPIRED and new.status == BookingStatus.PENDING


def test_buffers_are_kept_free(sarah):
    sarah.buffer_minutes = 15
    sarah.save()
    day = next_weekday()
    booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    with pytest.raises(SlotTaken):
        booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 11), duration_minutes=30)
    assert booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 11, 15), duration_minutes=30)


def _weekday_near(day):
    while day.isoweekday() > 5:
        day += timedelta(days=1)
    return day


@pytest.mark.parametrize(("starts", "duration", "code", "says"), [
    (lambda day: at(day, 10), 45, "invalid", "offers sessions of 30, 60, 90 minutes"),
    (lambda day: at(day, 10, 5), 60, "slot_unavailable", "not one of this expert's bookable times"),  # off the grid
    (lambda day: at(day, 16, 30), 60, "slot_unavailable", "not one of this expert's bookable times"),  # past 17:00
    (lambda day: at(day, 7), 60, "slot_unavailable", "not one of this expert's bookable times"),  # before hours
    (lambda day: at(_weekday_near(day - timedelta(days=30)), 10), 60, "slot_unavailable", "already passed"),
    (lambda day: at(_weekday_near(day + timedelta(days=400)), 10), 60, "slot_unavailable", "too far ahead"),
])
def test_invalid_requests_are_refused_and_write_nothing(sarah, starts, duration, code, says):
    """Each case is a working weekday, so the refusal is for the stated reason and not a weekend's."""
    with pytest.raises(InvalidInput) as error:
        booking_hold(customer=UserFactory(), expert=sarah, starts_at=starts(next_weekday()), duration_minutes=duration)
    assert error.value.code == code and error.value.status == 400
    assert says in error.value.message
    assert Booking.objects.count() == 0


@pytest.mark.postgres
def test_postgres_exclusion_constraint_refuses_an_overlap_written_behind_the_services_back(sarah):
    from django.db import IntegrityError
    day = next_weekday()
    booking = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    with pytest.raises(IntegrityError, match="booking_no_overlap"):
        Booking.objects.create(customer=UserFactory(), expert=sarah, starts_at=booking.starts_at + timedelta(minutes=30),
                               ends_at=booking.ends_at + timedelta(minutes=30),
                               blocked_until=booking.ends_at + timedelta(minutes=30), duration_minutes=60,
                               price_minor=1, status=BookingStatus.CONFIRMED)


@pytest.mark.postgres
def test_the_exclusion_constraint_ignores_non_blocking_bookings(sarah):
    day = next_weekday()
    booking = booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CANCELLED)
    assert booking_hold(customer=UserFactory(), expert=sarah, starts_at=at(day, 10), duration_minutes=60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_constraint WHERE conname = 'booking_no_overlap'")
        assert cursor.fetchone()[0] == 1
