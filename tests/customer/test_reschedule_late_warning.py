"""Moving a session into the last CANCELLATION_WINDOW_HOURS is allowed (booking_reschedule checks only
the current start), but then the policy's window has closed for the new time: no further move, no
refund on cancelling. The page says so before the move is confirmed, and moves only once confirmed."""
from datetime import datetime, timedelta, timezone

import pytest

from serene.bookings.lifecycle import CUSTOMER
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.moves import cancellation_refund_due
from serene.bookings.policy import reschedule_refusal
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 5, 12, 9, 0, tzinfo=timezone.utc)  # a Wednesday, 14:30 in Kolkata
LATE = datetime(2027, 5, 13, 4, 30, tzinfo=timezone.utc)  # Thursday 10:00 in Kolkata: 19.5 hours ahead
LATER = datetime(2027, 5, 14, 4, 30, tzinfo=timezone.utc)  # Friday 10:00 in Kolkata: 43.5 hours ahead


@pytest.fixture
def booking(time_machine):
    time_machine.move_to(NOW, tick=False)
    expert = ExpertFactory(user__name="Dr. Meera Rao", minimum_notice_hours=0)
    starts = NOW + timedelta(days=5)
    return Booking.objects.create(customer=UserFactory(name="Asha Verma"), expert=expert, starts_at=starts,
                                  ends_at=starts + timedelta(hours=1), blocked_until=starts + timedelta(hours=1),
                                  duration_minutes=60, price_minor=300000, status=BookingStatus.CONFIRMED,
                                  customer_time_zone="Asia/Kolkata")


def test_a_move_into_the_last_day_is_warned_then_confirmed(client, booking):
    client.force_login(booking.customer)
    path = f"/sessions/{booking.public_id}/reschedule"
    warned = client.post(path, {"starts_at": LATE.isoformat()})
    page = warned.content.decode()
    assert warned.status_code == 200 and 'id="late-warning"' in page
    assert "You chose Thursday 13 May 2027, 10:00 am." in page
    assert ("This time starts within 24 hours. Once you move to it, the session cannot be moved again, and "
            "cancelling it would not be refunded.") in page and "Move anyway" in page
    booking.refresh_from_db()
    assert booking.starts_at == NOW + timedelta(days=5), "nothing moves before the customer confirms"

    moved = client.post(path, {"starts_at": LATE.isoformat(), "late_ok": LATE.isoformat()})
    assert moved.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == LATE
    # What the warning said is what the code now does.
    assert reschedule_refusal(booking=booking, now=NOW) == "A session can be moved until 24 hours before it starts."
    assert not cancellation_refund_due(booking=booking, actor=CUSTOMER, now=NOW)


def test_a_move_outside_the_last_day_is_not_warned(client, booking):
    client.force_login(booking.customer)
    answer = client.post(f"/sessions/{booking.public_id}/reschedule", {"starts_at": LATER.isoformat()})
    assert answer.status_code == 302
    booking.refresh_from_db()
    assert booking.starts_at == LATER
