"""A day off over booked sessions: the availability editor lists the sessions that fall in it (a day
off stops new bookings only), and the expert keeps each or cancels it with a full refund and a message
the client gets by email. The cancel from that list races a reschedule of the same session safely."""
import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.services import booking_reschedule
from serene.core.errors import InvalidInput
from serene.payments.cancellations import booking_cancel_with_refund
from serene.payments.models import Refund, RefundStatus
from tests.bookings.helpers import at, next_weekday
from tests.bookings.test_lifecycle import confirmed
from tests.factories import ExpertFactory, UserFactory
from tests.interleave import paused_at
from tests.payments.helpers import create_order, pay, verify

KOLKATA = ZoneInfo("Asia/Kolkata")


def _day_off(client, expert, day, *, ranges=None):
    override = {"startDate": str(day), "available": bool(ranges), "note": "Away"}
    if ranges:
        override["ranges"] = ranges
    answer = client.put("/api/v1/experts/availability", content_type="application/json",
                        data=json.dumps({"dateOverrides": [override]}))
    assert answer.status_code == 200, answer.content


@pytest.mark.django_db
def test_the_editor_lists_the_sessions_a_day_off_leaves_booked_and_only_those(client):
    sarah = ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", minimum_notice_hours=0, buffer_minutes=0)
    day = next_weekday()
    asha = confirmed(sarah, starts=at(day, 10), customer=UserFactory(name="Asha Verma"))
    ravi = confirmed(sarah, starts=at(day, 15), customer=UserFactory(name="Ravi Menon"))
    elsewhere = confirmed(sarah, starts=at(day + timedelta(days=1), 10))
    client.force_login(sarah.user)
    assert 'data-hx-get="/expert/availability/days-off-sessions/"' in client.get("/expert/availability/").content.decode()
    assert "days-off-session\"" not in client.get("/expert/availability/days-off-sessions/").content.decode()

    _day_off(client, sarah, day, ranges=[{"start": "14:00", "end": "17:00"}])  # other hours: 10:00 falls out
    page = client.get("/expert/availability/days-off-sessions/").content.decode()
    assert "1 booked session on your days off" in page and "Asha Verma" in page and "Ravi Menon" not in page
    assert f"/expert/sessions/{asha.public_id}/cancel?next=/expert/availability/" in page

    _day_off(client, sarah, day)  # the whole day off
    page = client.get("/expert/availability/days-off-sessions/").content.decode()
    assert "2 booked sessions on your days off" in page and "Ravi Menon" in page
    assert str(elsewhere.public_id) not in page
    assert {booking.status for booking in Booking.objects.filter(pk__in=[asha.pk, ravi.pk])} == {BookingStatus.CONFIRMED}
    # Another expert (or a customer) gets no such list of Sarah's.
    client.force_login(UserFactory())
    assert client.get("/expert/availability/days-off-sessions/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_cancelling_from_the_list_refunds_in_full_and_tells_the_client(client, sandbox, smtp_server):
    sarah = ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    customer = UserFactory(name="Asha Verma", email="asha@example.test")
    client.force_login(customer)
    day = next_weekday()
    order = create_order(client, starts=at(day, 10)).json()
    verify(client, pay(sandbox, order["orderId"]))
    booking = Booking.objects.get(public_id=order["sessionId"])
    client.force_login(sarah.user)
    _day_off(client, sarah, day)
    assert "Asha Verma" in client.get("/expert/availability/days-off-sessions/").content.decode()
    done = client.post(f"/expert/sessions/{booking.public_id}/cancel",
                       {"reason": "I am unwell that day, sorry.", "next": "/expert/availability/"})
    assert done.status_code == 302 and done["Location"] == "/expert/availability/"
    booking.refresh_from_db()
    assert (booking.status, booking.money_outcome) == (BookingStatus.CANCELLED, MoneyOutcome.REFUNDED_IN_FULL)
    assert Refund.objects.get().amount_minor == 150000 and Refund.objects.get().status == RefundStatus.PROCESSED
    told = [item["message"] for item in smtp_server.messages if "asha@example.test" in item["to"]
            and item["message"]["Subject"].startswith("Cancelled")]
    assert told and "I am unwell that day, sorry." in told[0].get_body(("plain",)).get_content()
    assert "days-off-session\"" not in client.get("/expert/availability/days-off-sessions/").content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first", ["reschedule", "cancel"])
def test_a_cancel_from_the_days_off_list_and_a_reschedule_of_the_same_session_end_in_one_story(first):
    """Whichever runs first holds the session's locks; the other then sees what it did: a session
    moved and then cancelled, or cancelled and then refused its move. Never both half-done."""
    sarah = ExpertFactory(minimum_notice_hours=0, buffer_minutes=0, offered_durations=[30, 60])
    day = next_weekday()
    booking = confirmed(sarah, starts=at(day, 10))
    move = lambda: booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=at(day, 14))  # noqa: E731
    cancel = lambda: booking_cancel_with_refund(booking_id=booking.pk, by=sarah.user,  # noqa: E731
                                                reason="Day off: I am away.")
    point = ("serene.bookings.services._requested_slot" if first == "reschedule"
             else "serene.bookings.moves.booking_move")
    with paused_at(point) as pause:
        first_path = pause.run(move if first == "reschedule" else cancel)
        rival = pause.run_rival(cancel if first == "reschedule" else move)
        assert not rival.finished(0)  # waiting for the locks the paused path holds
        pause.release()
    first_path.finished(30), rival.finished(30)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED, (first_path.error, rival.error)
    if first == "reschedule":
        assert first_path.result().starts_at == at(day, 14)
        assert rival.result().status == BookingStatus.CANCELLED
        assert booking.starts_at == at(day, 14) and booking.reschedule_count == 1
    else:
        assert first_path.result().status == BookingStatus.CANCELLED
        with pytest.raises(InvalidInput):
            rival.result()
        assert booking.starts_at == at(day, 10) and booking.reschedule_count == 0
    assert booking.events.filter(to_status=BookingStatus.CANCELLED).count() == 1
