"""Every booking move tells the people it concerns, through a real SMTP server (aiosmtpd): the
MIME structure (text, HTML, invite.ics), subjects, absolute links, and times in each recipient's
own zone. The bookings are made and moved through the real services, paid through the emulator."""
from datetime import timedelta

import pytest
from django.utils import timezone
from icalendar import Calendar

from serene.availability.models import WeeklySchedule
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.moves import booking_approve
from serene.bookings.services import booking_reschedule
from serene.core.timefmt import format_date, format_time
from serene.notifications.models import Message, MessageStatus
from serene.payments.cancellations import booking_cancel_with_refund, booking_reject_with_refund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.payments.helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", user__email="sarah@example.test",
                         hourly_rate_minor=150000, minimum_notice_hours=0, time_zone="Asia/Kolkata")


@pytest.fixture
def meera():
    return ExpertFactory(slug="meera", user__name="Meera Iyer", user__email="meera@example.test",
                         hourly_rate_minor=150000, minimum_notice_hours=0, requires_approval=True)


def _book(client, sandbox, *, expert="sarah", zone="America/New_York", days_ahead=7, hour=10):
    customer = UserFactory(name="Asha Verma", email="asha@example.test", time_zone=zone)
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(days_ahead=days_ahead), hour), expert=expert).json()
    verify(client, pay(sandbox, order["orderId"]))
    return Booking.objects.select_related("expert__user", "customer").get(public_id=order["sessionId"])


def _to(inbox, address):
    return [item["message"] for item in inbox.messages if address in item["to"]]


def _parts(message):
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


def _invite(message) -> Calendar:
    part = _parts(message)["text/calendar"]
    assert part.get_filename() == "invite.ics"
    return Calendar.from_ical(part.get_content())


def test_a_confirmed_booking_emails_the_customer_and_the_expert_each_in_their_own_zone(client, sandbox, sarah,
                                                                                       smtp_server, settings):
    booking = _book(client, sandbox)
    site = settings.SITE_URL
    [customer_mail] = _to(smtp_server, "asha@example.test")
    assert customer_mail["Subject"] == "Your session with Dr. Sarah Khan is confirmed!"
    assert customer_mail.get_content_type() == "multipart/mixed"
    parts = _parts(customer_mail)
    assert set(parts) == {"text/plain", "text/html", "text/calendar"}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    text, html = parts["text/plain"].get_content(), parts["text/html"].get_content()
    new_york = format_time(booking.starts_at, "America/New_York")
    kolkata = format_time(booking.starts_at, "Asia/Kolkata")
    assert format_date(booking.starts_at, "America/New_York") in text
    assert f"{new_york} – " in text and "(New York time)" in text
    assert f"{kolkata} for Dr. Sarah Khan (Kolkata time)" in text or f"{kolkata} on " in text
    assert "₹1,500" in text and "60 minutes" in text
    for link in (f"{site}/sessions/{booking.public_id}/", f"{site}/booking/{booking.public_id}/receipt.pdf",
                 "https://calendar.google.com/calendar/render?"):
        assert link in text and link.replace("&", "&amp;") in html
    assert "day before" in text  # booked a week ahead: the day-before reminder is promised and planned

    [expert_mail] = _to(smtp_server, "sarah@example.test")
    assert expert_mail["Subject"] == "New Booking Alert - Asha Verma"
    expert_text = _parts(expert_mail)["text/plain"].get_content()
    assert "Client: Asha Verma" in expert_text and "(Kolkata time)" in expert_text
    assert format_date(booking.starts_at, "Asia/Kolkata") in expert_text
    assert f"{site}/expert/dashboard/" in expert_text and f"{site}/dashboard/" not in expert_text

    invite = _invite(customer_mail)
    assert str(invite["method"]) == "REQUEST"
    [event] = invite.walk("VEVENT")
    assert str(event["uid"]) == f"{booking.public_id}@serene" and int(event["sequence"]) == 0
    assert event.decoded("dtstart") == booking.starts_at
    assert str(event.decoded("dtstart").tzinfo) == "America/New_York"
    assert [str(zone["tzid"]) for zone in invite.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(event["url"]) == f"{site}/sessions/{booking.public_id}/"
    assert str(event["organizer"]).startswith("mailto:") and len(event["attendee"]) == 2
    [alarm] = event.walk("VALARM")
    assert alarm.decoded("trigger") == -timedelta(minutes=15)
    assert str(_invite(expert_mail).walk("VEVENT")[0].decoded("dtstart").tzinfo) == "Asia/Kolkata"

    messages = Message.objects.filter(booking=booking)
    assert sorted(messages.values_list("kind", "status")) == [("booking_confirmed", MessageStatus.SENT),
                                                              ("booking_new", MessageStatus.SENT)]
    assert customer_mail["Message-ID"] == messages.get(kind="booking_confirmed").message_id


def test_a_booking_made_within_a_day_promises_and_gets_no_day_before_reminder(client, sandbox, sarah, smtp_server):
    customer = UserFactory(email="asha@example.test")
    client.force_login(customer)
    WeeklySchedule.objects.update_or_create(expert=sarah, defaults={"weekly_hours": {
        str(day): [{"start": "00:00", "end": "23:59"}] for day in range(7)}})  # free around the clock
    start = (timezone.now() + timedelta(hours=5)).replace(minute=0, second=0, microsecond=0)
    order = create_order(client, starts=start).json()
    verify(client, pay(sandbox, order["orderId"]))
    text = _parts(_to(smtp_server, "asha@example.test")[0])["text/plain"].get_content()
    assert "day before" not in text and "10 minutes before it starts" in text
    page = client.get(f"/booking/success?sessionId={order['sessionId']}").content.decode()
    assert "reminder 10 minutes before" in page and "the day before" not in page


def test_the_success_page_promises_the_day_before_reminder_only_when_it_is_planned(client, sandbox, sarah, smtp_server):
    booking = _book(client, sandbox)
    page = client.get(f"/booking/success?sessionId={booking.public_id}").content.decode()
    assert "the day before and again 10 minutes before" in page


def test_approval_asks_the_expert_then_tells_the_customer_when_accepted(client, sandbox, meera, smtp_server):
    booking = _book(client, sandbox, expert="meera", zone="Asia/Kolkata")
    assert booking.status == BookingStatus.AWAITING_APPROVAL
    [asked] = _to(smtp_server, "meera@example.test")
    assert asked["Subject"] == "Approval needed: Asha Verma asked for a session"
    [waiting] = _to(smtp_server, "asha@example.test")
    assert waiting["Subject"] == "Payment received: waiting for Meera Iyer to accept"
    assert "text/calendar" not in _parts(waiting)  # not in anyone's calendar until accepted
    assert "confirmed" not in waiting["Subject"].lower()

    booking_approve(booking_id=booking.pk, by=meera.user)
    accepted = _to(smtp_server, "asha@example.test")[-1]
    assert accepted["Subject"] == "Your session with Meera Iyer is confirmed!"
    assert "has accepted your booking" in _parts(accepted)["text/plain"].get_content()
    assert str(_invite(accepted)["method"]) == "REQUEST"


def test_a_rejection_tells_the_customer_the_reason_and_the_refund(client, sandbox, meera, smtp_server):
    booking = _book(client, sandbox, expert="meera", zone="Asia/Kolkata")
    booking_reject_with_refund(booking_id=booking.pk, by=meera.user, reason="I am away that week.")
    subjects = [mail["Subject"] for mail in _to(smtp_server, "asha@example.test")]
    assert "Meera Iyer could not take your session" in subjects
    rejected = next(m for m in _to(smtp_server, "asha@example.test") if m["Subject"] == "Meera Iyer could not take your session")
    text = _parts(rejected)["text/plain"].get_content()
    assert "“I am away that week.”" in text and "₹1,500" in text and "refunded" in text
    assert "Refund processed: ₹1,500" in subjects  # the emulator settles the refund at once


def test_a_cancellation_sends_both_sides_a_cancel_invite_with_a_higher_sequence(client, sandbox, sarah, smtp_server):
    booking = _book(client, sandbox)
    booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer, reason="")
    customer_mails = _to(smtp_server, "asha@example.test")
    cancelled = next(m for m in customer_mails if m["Subject"] == "Cancelled: your session with Dr. Sarah Khan")
    assert "is being refunded" in _parts(cancelled)["text/plain"].get_content()
    invite = _invite(cancelled)
    assert str(invite["method"]) == "CANCEL"
    [event] = invite.walk("VEVENT")
    assert (str(event["uid"]), int(event["sequence"]), str(event["status"])) == (f"{booking.public_id}@serene", 1,
                                                                                 "CANCELLED")
    [expert_cancelled] = [m for m in _to(smtp_server, "sarah@example.test") if m["Subject"].startswith("Cancelled")]
    assert "Asha Verma cancelled this session." in _parts(expert_cancelled)["text/plain"].get_content()
    assert str(_invite(expert_cancelled)["method"]) == "CANCEL"


def test_a_moved_session_sends_both_sides_the_same_uid_with_a_higher_sequence(client, sandbox, sarah, smtp_server):
    booking = _book(client, sandbox, days_ahead=7, hour=10)
    new_start = booking.starts_at + timedelta(hours=2)  # 12:00 the same weekday
    booking_reschedule(booking_id=booking.pk, by=booking.customer, starts_at=new_start)
    moved = [m for m in smtp_server.messages if m["message"]["Subject"].startswith("Moved:")]
    assert sorted(m["to"][0] for m in moved) == ["asha@example.test", "sarah@example.test"]
    for item in moved:
        [event] = _invite(item["message"]).walk("VEVENT")
        assert (str(event["uid"]), int(event["sequence"])) == (f"{booking.public_id}@serene", 1)
        assert event.decoded("dtstart") == new_start
    text = _parts(moved[0]["message"])["text/plain"].get_content()
    assert "(it was " in text


def test_a_late_payment_for_a_lost_time_tells_the_customer_it_is_refunded(client, sandbox, sarah, smtp_server):
    start = at(next_weekday(), 10)
    client.force_login(UserFactory(email="asha@example.test"))
    order = create_order(client, starts=start).json()
    Booking.objects.filter(public_id=order["sessionId"]).update(hold_expires_at=timezone.now() - timedelta(minutes=1))
    rival = UserFactory(email="rival@example.test")
    client.force_login(rival)
    taken = create_order(client, starts=start).json()
    verify(client, pay(sandbox, taken["orderId"]))
    client.force_login(Booking.objects.get(public_id=order["sessionId"]).customer)
    verify(client, pay(sandbox, order["orderId"]))
    subjects = [m["Subject"] for m in _to(smtp_server, "asha@example.test")]
    assert "We could not keep your time with Dr. Sarah Khan: full refund on its way" in subjects
    assert not any("confirmed" in subject for subject in subjects)
    assert "Refund processed: ₹1,500" in subjects
