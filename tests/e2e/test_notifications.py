"""An expert sees new bookings and cancellations in Chromium: the header's count, the page, opening
one, and marking all read, at 1280 and 390 px."""
import pytest
from django.db import transaction
from playwright.sync_api import expect

from serene.bookings.locks import lock_booking
from serene.bookings.services import booking_clear_way_to_confirm, booking_confirm_paid, booking_hold
from serene.payments.cancellations import booking_cancel_with_refund
from tests.bookings.helpers import at, next_weekday
from tests.factories import TEST_PASSWORD, ExpertFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _booked(expert, customer, starts):
    held = booking_hold(customer=customer, expert=expert, starts_at=starts, duration_minutes=60)
    with transaction.atomic():
        locked = lock_booking(booking_id=held.pk)
        assert booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))
    return held


def _tap_target(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    return box["width"], box["height"]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_expert_reads_notifications_from_the_header(request, live_server, screenshot, device):
    expert = ExpertFactory(slug=f"sarah-{device}", minimum_notice_hours=0, user__name="Dr. Sarah Khan",
                           user__email=f"sarah-{device}@example.test")
    page = request.getfixturevalue(device).new_page()
    page.goto(live_server.url + "/accounts/login/?next=/notifications/")
    page.get_by_label("Email").fill(expert.user.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    expect(page.get_by_text("No notifications yet.")).to_be_visible()
    screenshot(page, f"notifications-empty-{device}")

    day = next_weekday()
    _booked(expert, UserFactory(name="Asha Verma"), at(day, 10))
    gone = _booked(expert, UserFactory(name="Ravi Menon"), at(day, 14))
    booking_cancel_with_refund(booking_id=gone.pk, by=gone.customer)

    page.goto(live_server.url + "/dashboard/")
    bell = page.get_by_role("link", name="Notifications, 3 unread")
    expect(bell).to_be_visible()
    width, height = _tap_target(bell)
    assert width >= 44 and height >= 44, (width, height)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"notifications-header-{device}", full_page=False)

    bell.click()
    items = page.locator(".notice-list li")
    expect(items).to_have_count(3)
    expect(items.first).to_contain_text("Cancelled by the customer: Ravi Menon")
    expect(page.locator(".notice-item.is-unread")).to_have_count(3)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    screenshot(page, f"notifications-unread-{device}")

    page.get_by_role("link", name="New booking: Asha Verma").click()
    expect(page.get_by_role("heading", name="Session with Asha Verma")).to_be_visible()
    screenshot(page, f"session-page-expert-{device}")
    page.get_by_role("link", name="Notifications, 2 unread").click()
    expect(page.locator(".notice-item.is-unread")).to_have_count(2)

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.get_by_text("All caught up.")).to_be_visible()
    expect(page.locator(".notice-item.is-unread")).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    screenshot(page, f"notifications-read-{device}")
