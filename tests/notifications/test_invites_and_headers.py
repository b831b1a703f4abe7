"""Issue 20's email and calendar findings, through the real SMTP server and the page's download:
every automatic email says so (RFC 3834 Auto-Submitted), the invite's ORGANIZER is its sender, the
expert who approves gets the invite, expert emails link to the expert's desk, and the page's
calendar file follows the session's state (CANCELLED without an alarm, TENTATIVE while waiting)."""
from email.utils import parseaddr

import pytest
from icalendar import Calendar

from serene.bookings.models import BookingStatus
from serene.bookings.moves import booking_approve
from serene.payments.cancellations import booking_cancel_with_refund

from .test_booking_emails import _book, _invite, _parts, _to, meera, sarah  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db(transaction=True)


def _download(client, booking, user) -> Calendar:
    client.force_login(user)
    answer = client.get(f"/booking/{booking.public_id}/calendar.ics")
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(answer.content)


def test_every_email_is_marked_automatic_and_its_invite_is_organized_by_its_sender(client, sandbox, sarah,
                                                                                   smtp_server, settings):
    booking = _book(client, sandbox)
    booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer, reason="")
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    assert len(smtp_server.messages) >= 5  # confirmed, new booking, both cancellations, refund
    invites = 0
    for item in smtp_server.messages:
        message = item["message"]
        assert message["Auto-Submitted"] == "auto-generated", message["Subject"]
        assert parseaddr(message["From"])[1] == sender
        if "text/calendar" in _parts(message):
            [event] = _invite(message).walk("VEVENT")
            assert str(event["organizer"]).lower() == f"mailto:{sender}".lower()
            assert str(event["organizer"].params["CN"]) == settings.BRAND_NAME
            invites += 1
    assert invites == 4  # a REQUEST and a CANCEL to each side


def test_the_password_reset_email_is_marked_automatic_too(client, smtp_server):
    from tests.factories import UserFactory
    UserFactory(email="forgot@example.test")
    client.post("/accounts/password/reset/", {"email": "forgot@example.test"})
    [item] = smtp_server.messages
    assert item["message"]["Auto-Submitted"] == "auto-generated"


def test_the_expert_who_approves_gets_the_invite_and_a_link_to_their_desk(client, sandbox, meera, smtp_server,
                                                                         settings):
    booking = _book(client, sandbox, expert="meera", zone="Asia/Kolkata")
    [asked] = _to(smtp_server, "meera@example.test")
    assert "text/calendar" not in _parts(asked)
    assert f"{settings.SITE_URL}/expert/dashboard/" in _parts(asked)["text/plain"].get_content()
    booking_approve(booking_id=booking.pk, by=meera.user)
    confirmed = _to(smtp_server, "meera@example.test")[-1]
    assert confirmed["Subject"] == "Confirmed: your session with Asha Verma"
    invite = _invite(confirmed)
    assert str(invite["method"]) == "REQUEST"
    [event] = invite.walk("VEVENT")
    assert (str(event["uid"]), str(event["status"])) == (f"{booking.public_id}@serene", "CONFIRMED")
    assert str(event.decoded("dtstart").tzinfo) == "Asia/Kolkata"  # the expert's zone
    text = _parts(confirmed)["text/plain"].get_content()
    assert f"{settings.SITE_URL}/expert/dashboard/" in text and f"{settings.SITE_URL}/dashboard/" not in text


def test_the_page_download_says_tentative_while_waiting_for_approval(client, sandbox, meera, smtp_server):
    booking = _book(client, sandbox, expert="meera", zone="Asia/Kolkata")
    assert booking.status == BookingStatus.AWAITING_APPROVAL
    [event] = _download(client, booking, booking.customer).walk("VEVENT")
    assert str(event["status"]) == "TENTATIVE"
    booking_approve(booking_id=booking.pk, by=meera.user)
    [event] = _download(client, booking, meera.user).walk("VEVENT")
    assert str(event["status"]) == "CONFIRMED" and len(event.walk("VALARM")) == 1


def test_a_cancelled_sessions_download_is_cancelled_with_no_alarm_and_the_cancel_emails_sequence(
        client, sandbox, sarah, smtp_server):
    booking = _book(client, sandbox)
    [before] = _download(client, booking, booking.customer).walk("VEVENT")
    assert str(before["status"]) == "CONFIRMED" and before.walk("VALARM")
    booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer, reason="")
    cancel_mail = next(m for m in _to(smtp_server, "asha@example.test") if m["Subject"].startswith("Cancelled"))
    [cancel_event] = _invite(cancel_mail).walk("VEVENT")
    for user in (booking.customer, sarah.user):
        calendar = _download(client, booking, user)
        assert str(calendar["method"]) == "PUBLISH"
        [event] = calendar.walk("VEVENT")
        assert str(event["uid"]) == str(cancel_event["uid"])
        assert str(event["status"]) == "CANCELLED"
        assert event.walk("VALARM") == []
        assert int(event["sequence"]) >= int(cancel_event["sequence"]) > int(before["sequence"])
