"""An expert in approval mode works from the dashboard in Chromium: sees who waits, accepts one and
declines another with a reason (the customer is refunded at the gateway), with today's agenda and
six months of earnings on the page; and staff read the operations page. Screenshots at 1280 and 390 px."""
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from serene.bookings.models import Booking, BookingStatus
from serene.notifications.models import Message, MessageStatus
from serene.payments.models import WebhookEvent
from serene.payments.sandbox.models import SandboxRefund
from tests.bookings.helpers import at, next_weekday
from tests.factories import TEST_PASSWORD, ExpertFactory, UserFactory
from tests.payments.helpers import create_order, pay, verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

KOLKATA = ZoneInfo("Asia/Kolkata")
CLIENTS = ["Asha Verma", "Ravi Menon", "Priya Nair", "Kabir Shah", "Meghna Rao", "Arjun Das"]


def _awaiting(sandbox, name: str, hour: int, note: str) -> Booking:
    client = Client()
    client.force_login(UserFactory(name=name))
    order = create_order(client, starts=at(next_weekday(), hour), expert="meera").json()
    assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == BookingStatus.AWAITING_APPROVAL
    Booking.objects.filter(public_id=order["sessionId"]).update(customer_note=note)
    return Booking.objects.get(public_id=order["sessionId"])


def _session(expert, name: str, starts: datetime, status: str, note: str = "", minutes: int = 60) -> Booking:
    return Booking.objects.create(customer=UserFactory(name=name), expert=expert, starts_at=starts,
                                  ends_at=starts + timedelta(minutes=minutes),
                                  blocked_until=starts + timedelta(minutes=minutes), duration_minutes=minutes,
                                  price_minor=150000 * minutes // 60, status=status, customer_note=note,
                                  customer_time_zone="Asia/Kolkata")


def _month_back(day, months: int):
    index = day.year * 12 + day.month - 1 - months
    return day.replace(year=index // 12, month=index % 12 + 1, day=min(day.day, 28))


@pytest.fixture
def meera_with_a_history(sandbox):
    meera = ExpertFactory(slug="meera", hourly_rate_minor=150000, minimum_notice_hours=0, requires_approval=True,
                          user__name="Dr. Meera Rao", user__email="meera@example.test")
    first = _awaiting(sandbox, "Asha Verma", 10, "I have been sleeping badly since I changed jobs and would like "
                                                 "some practical ways to wind down.")
    second = _awaiting(sandbox, "Ravi Menon", 12, "Exam stress.")
    now = timezone.now().astimezone(KOLKATA)
    today = now.date()
    for hour, name, note in [(9, "Priya Nair", "Follow-up on the breathing exercises."), (20, "Kabir Shah", "")]:
        starts = datetime.combine(today, time(hour, 0), tzinfo=KOLKATA)
        _session(meera, name, starts, BookingStatus.COMPLETED if starts < now - timedelta(hours=1)
                 else BookingStatus.CONFIRMED, note)
    for days, name in [(2, "Meghna Rao"), (4, "Arjun Das")]:
        _session(meera, name, datetime.combine(today + timedelta(days=days), time(11, 30), tzinfo=KOLKATA),
                 BookingStatus.CONFIRMED, "First session: anxiety at work.")
    for months, count in [(1, 5), (2, 3), (3, 6), (4, 2), (5, 4)]:
        day = _month_back(today, months)
        for index in range(count):
            _session(meera, CLIENTS[index], datetime.combine(day, time(8 + index, 0), tzinfo=KOLKATA),
                     BookingStatus.COMPLETED, minutes=60 if index % 2 else 90)
    cancelled = _session(meera, "Arjun Das", datetime.combine(_month_back(today, 1), time(18, 0), tzinfo=KOLKATA),
                         BookingStatus.CANCELLED)
    Booking.objects.filter(pk=cancelled.pk).update(money_outcome="refunded_in_full",
                                                   cancellation_reason="Cancelled by the customer.")
    return meera, first, second


def _log_in(page, url, email, next_path):
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_an_expert_accepts_and_declines_from_the_dashboard(live_server, desktop, screenshot, meera_with_a_history):
    meera, first, second = meera_with_a_history
    page = desktop.new_page()
    _log_in(page, live_server.url, meera.user.email, "/dashboard/")  # "My sessions" leads an expert here
    expect(page).to_have_url(f"{live_server.url}/expert/dashboard/")
    waiting = page.locator(".awaiting-section")
    expect(waiting.locator(".expert-session")).to_have_count(2)
    expect(waiting).to_contain_text("I have been sleeping badly")
    expect(page.get_by_role("heading", name="Earnings")).to_be_visible()
    expect(page.locator(".chart-col")).to_have_count(6)
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "expert-dashboard-desktop")

    waiting.get_by_role("link", name="Accept: Asha Verma", exact=False).click()
    dialog = page.get_by_role("dialog", name="Accept this session?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Keep as it is").click()  # changed their mind: nothing happens
    expect(dialog).to_have_count(0)
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.AWAITING_APPROVAL
    waiting.get_by_role("link", name="Accept: Asha Verma", exact=False).click()
    page.get_by_role("dialog").get_by_role("button", name="Accept session").click()
    expect(page.get_by_text("Accepted: Asha Verma is told the session is confirmed.")).to_be_visible()
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.CONFIRMED

    page.locator(".awaiting-section").get_by_role("link", name="Decline: Ravi Menon", exact=False).click()
    dialog = page.get_by_role("dialog", name="Decline this session?")
    dialog.get_by_role("button", name="Decline and refund").click()  # no reason yet: the browser asks for one
    expect(dialog).to_be_visible()
    assert Booking.objects.get(pk=second.pk).status == BookingStatus.AWAITING_APPROVAL
    dialog.get_by_label("Reason").fill("I am away at a conference that week.")
    screenshot(page, "expert-decline-dialog-desktop", full_page=False)
    dialog.get_by_role("button", name="Decline and refund").click()
    expect(page.get_by_text("Declined: Ravi Menon is refunded the full amount.")).to_be_visible()
    expect(page.locator(".awaiting-section")).to_have_count(0)
    second.refresh_from_db()
    assert (second.status, second.money_outcome, second.cancellation_reason) == (
        BookingStatus.REJECTED, "refunded_in_full", "I am away at a conference that week.")
    assert SandboxRefund.objects.get().amount == 150000


def test_the_dashboard_keyboard_path_and_phone_layout(live_server, phone, screenshot, meera_with_a_history):
    meera, first, _ = meera_with_a_history
    page = phone.new_page()
    _log_in(page, live_server.url, meera.user.email, "/expert/dashboard/")
    expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "expert-dashboard-phone")
    accept = page.locator(".awaiting-section").get_by_role("link", name="Accept: Asha Verma", exact=False)
    accept.focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Accept this session?")
    expect(dialog).to_be_visible()
    screenshot(page, "expert-accept-dialog-phone", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(accept).to_be_focused()  # focus goes back to the button that opened it
    assert Booking.objects.get(pk=first.pk).status == BookingStatus.AWAITING_APPROVAL


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_staff_read_the_operations_page(request, live_server, screenshot, axe, device):
    staff = UserFactory(email=f"ops-{device}@example.test", name="Nisha Staff", is_staff=True)
    expert = ExpertFactory(user__name="Dr. Sarah Khan")
    starts = timezone.now() + timedelta(days=3)
    Booking.objects.create(customer=UserFactory(email="paying.now@example.test"), expert=expert, starts_at=starts,
                           ends_at=starts + timedelta(hours=1), blocked_until=starts + timedelta(hours=1),
                           duration_minutes=60, price_minor=150000, status=BookingStatus.PENDING,
                           hold_expires_at=timezone.now() + timedelta(minutes=8))
    now = timezone.now()
    Message.objects.create(key="confirmed:9:customer", kind="booking_confirmed", to_email="asha@example.test",
                           subject="Your session with Dr. Sarah Khan is confirmed!", body_text="…",
                           message_id="<9@serene.test>", status=MessageStatus.FAILED, attempts=8, rendered_at=now,
                           next_attempt_at=now, retry_until=now, last_error="SMTP 550: mailbox unavailable")
    Message.objects.create(key="new:9:expert", kind="booking_new", to_email="sarah@example.test", subject="",
                           body_text="", message_id="<10@serene.test>", status=MessageStatus.RENDER_FAILED,
                           render_failures=3, next_attempt_at=now, retry_until=now,
                           last_error="NoReverseMatch: Reverse for 'no-such-page' not found. 'no-such-page' is not a "
                                      "valid view function or pattern name.")
    WebhookEvent.objects.create(gateway_event_id="evt_Q7c2kDZf1", event_type="refund.processed", body="{}",
                                error="Busy: lock timeout")
    page = request.getfixturevalue(device).new_page()
    _log_in(page, live_server.url, staff.email, "/staff/operations/")
    expect(page.get_by_role("heading", name="Operations", exact=True)).to_be_visible()
    expect(page.locator("#captured-without-end")).to_contain_text("None.")
    expect(page.locator("#failed-messages")).to_contain_text("SMTP 550")
    expect(page.locator("#failed-messages")).to_contain_text("booking_new not written")
    assert not axe(page)
    expect(page.locator("#holds")).to_contain_text("paying.now@example.test")
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"staff-operations-{device}")


def test_a_new_expert_sees_what_each_empty_section_will_hold(live_server, desktop, screenshot):
    expert = ExpertFactory(user__name="Dr. Kavya Iyer", user__email="kavya@example.test")
    page = desktop.new_page()
    _log_in(page, live_server.url, expert.user.email, "/expert/dashboard/")
    expect(page.get_by_text("No sessions today.")).to_be_visible()
    expect(page.get_by_text("No confirmed sessions ahead yet.")).to_be_visible()
    expect(page.get_by_text("No paid sessions in these months yet.")).to_be_visible()
    expect(page.locator(".awaiting-section")).to_have_count(0)
    page.get_by_role("link", name="Edit availability").click()
    expect(page).to_have_url(f"{live_server.url}/expert/availability/")
    page.go_back()
    screenshot(page, "expert-dashboard-empty-desktop")
