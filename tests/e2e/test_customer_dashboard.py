"""A customer manages their sessions from the dashboard in Chromium: cancels one in good time (the
page says what comes back before confirming; the emulator records the refund), moves another to a
new time with the slot picker, and rates a finished one. Screenshots of the dashboard, the session
page and the cancel and reschedule pages at 1280 and 390 px."""
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from serene.bookings.models import Booking, BookingEvent, BookingStatus
from serene.bookings.selectors import blocking_overlap_pairs
from serene.payments.sandbox.models import SandboxRefund
from tests.bookings.helpers import at, next_weekday
from tests.factories import TEST_PASSWORD, ExpertFactory, UserFactory
from tests.payments.helpers import create_order, pay, verify

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def asha_with_sessions(sandbox):
    sarah = ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0,
                          user__name="Dr. Sarah Khan", headline="Clinical psychologist · anxiety and burnout")
    asha = UserFactory(name="Asha Verma", email="asha@example.test")
    client = Client()
    client.force_login(asha)
    day = next_weekday()
    booked = []
    for hour in (10, 12):
        order = create_order(client, starts=at(day, hour), expert="sarah").json()
        assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == BookingStatus.CONFIRMED
        booked.append(Booking.objects.get(public_id=order["sessionId"]))
    past = timezone.now().replace(microsecond=0, second=0, minute=0) - timedelta(days=6)
    finished = Booking.objects.create(customer=asha, expert=sarah, starts_at=past, ends_at=past + timedelta(hours=1),
                                      blocked_until=past + timedelta(hours=1), duration_minutes=60,
                                      price_minor=150000, status=BookingStatus.COMPLETED,
                                      customer_time_zone="Asia/Kolkata")
    return sarah, asha, booked[0], booked[1], finished


def _log_in(page, url, email, next_path):
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_customer_cancels_and_reschedules_from_the_dashboard(live_server, desktop, screenshot, asha_with_sessions):
    sarah, asha, first, second, finished = asha_with_sessions
    page = desktop.new_page()
    _log_in(page, live_server.url, asha.email, "/dashboard/")
    expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    upcoming = page.locator("section[aria-labelledby=upcoming-title] .cust-session")
    expect(upcoming).to_have_count(2)
    expect(upcoming.first).to_contain_text("Dr. Sarah Khan")
    expect(upcoming.first).to_contain_text("₹1,500")
    expect(upcoming.first.locator("[data-join-countdown]")).to_contain_text("Opens in")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    screenshot(page, "customer-dashboard-desktop")

    # Cancel the first in good time: the page says the full amount comes back before confirming.
    upcoming.first.get_by_role("link", name="Cancel session", exact=False).click()
    expect(page.locator("#refund-verdict")).to_contain_text("You get ₹1,500 back")
    screenshot(page, "customer-cancel-desktop")
    page.get_by_label("Reason").fill("A work trip came up.")
    page.get_by_role("button", name="Cancel and get a refund").click()
    expect(page.locator(".messages")).to_contain_text("Cancelled. We refunded the full amount")
    first.refresh_from_db()
    assert (first.status, first.money_outcome) == (BookingStatus.CANCELLED, "refunded_in_full")
    assert SandboxRefund.objects.get().amount == 150000

    page.goto(f"{live_server.url}/dashboard/payments/")
    expect(page.locator(".refund-list")).to_contain_text("Refunded")
    screenshot(page, "customer-payments-desktop")

    # Move the second to a new time with the slot picker.
    page.goto(f"{live_server.url}/dashboard/")
    page.locator("section[aria-labelledby=upcoming-title] .cust-session").first.get_by_role(
        "link", name="Reschedule", exact=False).click()
    expect(page.get_by_role("heading", name="Move your session")).to_be_visible()
    new_start = at(next_weekday(days_ahead=9), 15)
    page.locator(f"a.day-chip[href^='?day={new_start.date().isoformat()}']").click()
    page.locator(f"input[name=starts_at][value='{new_start.astimezone(UTC).isoformat()}']").check(force=True)
    screenshot(page, "customer-reschedule-desktop", full_page=False)
    page.get_by_role("button", name="Move to this time").click()
    expect(page.locator(".messages")).to_contain_text("Both of you get the updated calendar invite")
    second.refresh_from_db()
    assert second.starts_at == new_start and second.reschedule_count == 1 and second.status == BookingStatus.CONFIRMED
    expect(page.locator(".timeline")).to_contain_text("Moved to a new time")
    assert blocking_overlap_pairs() == 0
    screenshot(page, "customer-session-desktop")

    # Rate the finished session, once.
    page.goto(f"{live_server.url}/sessions/{finished.public_id}/")
    page.locator("label[for=rating-4]").click()
    page.get_by_label("A few words").fill("Practical and calm.")
    page.get_by_role("button", name="Post review").click()
    expect(page.locator(".messages")).to_contain_text("Thank you: your review")
    expect(page.get_by_role("heading", name="Your review")).to_be_visible()
    finished.refresh_from_db()
    assert (finished.rating, finished.review) == (4, "Practical and calm.")
    sarah.refresh_from_db()
    assert (sarah.rating_count, float(sarah.rating_average)) == (1, 4.0)
    page.goto(f"{live_server.url}/experts/sarah/")
    expect(page.locator("#reviews")).to_contain_text("Practical and calm.")


def test_the_customer_pages_on_a_phone(live_server, phone, screenshot, asha_with_sessions):
    sarah, asha, first, second, finished = asha_with_sessions
    page = phone.new_page()
    _log_in(page, live_server.url, asha.email, "/dashboard/")
    expect(page.get_by_role("heading", name="Your sessions")).to_be_visible()
    for path, name in [("/dashboard/", "customer-dashboard-phone"),
                       (f"/sessions/{first.public_id}/", "customer-session-phone"),
                       (f"/sessions/{first.public_id}/cancel", "customer-cancel-phone"),
                       (f"/sessions/{first.public_id}/reschedule", "customer-reschedule-phone"),
                       (f"/sessions/{finished.public_id}/", "customer-review-phone"),
                       ("/dashboard/payments/", "customer-payments-phone")]:
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        screenshot(page, name)
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 2, "looking changed nothing"
    assert not BookingEvent.objects.filter(moved_from__isnull=False).exists()
