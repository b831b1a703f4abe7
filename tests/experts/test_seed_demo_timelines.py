"""The demo sessions live through the product's own services: each has its whole timeline, from its
hold to its state now, at the times the moves would have been made, and none of it is news."""
import pytest
from django.core.management import call_command

from serene.bookings.models import Booking, BookingEvent, BookingStatus
from serene.notifications.models import Message, Notice
from serene.payments.models import Payment

pytestmark = pytest.mark.django_db
S = BookingStatus


def test_every_demo_session_has_its_whole_timeline_and_nobody_is_told():
    call_command("seed_demo")
    bookings = list(Booking.objects.select_related("expert"))
    assert len(bookings) >= 20
    for booking in bookings:
        events = list(BookingEvent.objects.filter(booking=booking).order_by("at", "id"))
        moves = [(event.from_status, event.to_status) for event in events]
        assert moves[0] == ("", S.PENDING), booking
        for (_, before), (source, _) in zip(moves, moves[1:]):
            assert source == before, (booking, moves)  # each line starts where the last one ended
        assert moves[-1][1] == booking.status, (booking, moves)
        paid = Payment.objects.get(booking=booking).captured_at
        kept = next(event for event in events if event.from_status == S.PENDING)
        assert kept.to_status in (S.CONFIRMED, S.AWAITING_APPROVAL) and kept.at == paid and kept.reason == "Paid."
        assert events[0].at < kept.at and [event.at for event in events] == sorted(event.at for event in events)
        if booking.expert.requires_approval and booking.status in (S.CONFIRMED, S.COMPLETED):
            assert (S.AWAITING_APPROVAL, S.CONFIRMED) in moves and "Approved." in [event.reason for event in events]
        if booking.status == S.COMPLETED:
            assert events[-1].at == booking.ends_at and events[-1].reason == "The session's time ended."
        if booking.reviewed_at is not None:
            assert booking.reviewed_at > booking.ends_at
    assert {booking.status for booking in bookings} == {S.CONFIRMED, S.AWAITING_APPROVAL, S.COMPLETED}
    assert not Message.objects.exists() and not Notice.objects.exists()  # history is not news
