"""A customer books and pays in Chromium: wizard, emulator checkout, success and failure pages."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from serene.bookings.models import Booking, BookingStatus
from serene.core.timefmt import format_day, format_short_date, format_time, format_time_range
from serene.payments.models import Payment, PaymentStatus
from tests.factories import TEST_PASSWORD, ExpertFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sarah(sandbox):
    expert = ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", hourly_rate_minor=150000, minimum_notice_hours=0,
                           offered_durations=[30, 60, 90])
    warm_up(sandbox.url)
    return expert


def warm_up(base):
    """The live server's first requests import and compile a lot; on a busy machine that can pass a
    page's timeout, so it happens here, without one."""
    for path in ("/accounts/login/", "/experts/sarah/", "/booking/failed", "/sandbox/razorpay/checkout.js"):
        requests.get(base + path, timeout=300)


@pytest.fixture(autouse=True)
def no_csp_violations(csp_violations):
    """The wizard, the emulator's Checkout, and the success and failure pages run under the
    Content-Security-Policy with nothing refused."""
    yield
    assert csp_violations == []


def log_in(page, base, email, next_path="/"):
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def open_wizard(page):
    # The wizard's script is deferred: wait for it, or a quick tap on a slow phone does nothing (the
    # booking-experience issue makes the button work from the first moment).
    page.wait_for_load_state("load")
    page.get_by_role("button", name="Book a session").click()


def choose_first_free_slot(page, screenshot=None, name=""):
    wizard = page.get_by_role("dialog", name=re.compile("Book a session"))
    expect(wizard.get_by_text("Step 1 of 4: Select date")).to_be_visible()
    expect(wizard.locator("#calendar")).to_have_attribute("aria-busy", "false")
    if wizard.locator(".calendar-day.is-available").count() == 0:
        wizard.get_by_role("button", name="Next month").click()
        expect(wizard.locator(".calendar-day.is-available").first).to_be_visible()
    if screenshot:
        screenshot(page, f"wizard-1-date-{name}", full_page=False)
    wizard.locator(".calendar-day.is-available").first.click()  # a date chosen shows its times at once
    expect(wizard.get_by_text("Step 2 of 4: Select time")).to_be_visible()
    expect(wizard.locator("#durations")).to_contain_text("₹1,500")
    free = wizard.locator('.slot:not([aria-disabled="true"])')
    expect(free.first).to_be_visible()
    if screenshot:
        screenshot(page, f"wizard-2-time-{name}", full_page=False)
    # Not the day's first time: with no minimum notice it may start within minutes, and pass mid-test.
    slot = free.nth(1) if free.count() > 1 else free.first
    starts = slot.get_attribute("data-starts")
    slot.click()  # and a time chosen, the summary
    expect(wizard.get_by_text("Step 3 of 4: Confirm booking")).to_be_visible()
    expect(wizard.locator("#confirm-list")).to_contain_text("₹1,500")
    hours_ahead = (datetime.fromisoformat(starts.replace("Z", "+00:00")) - timezone.now()).total_seconds() / 3600
    # The policy is promised only where it would apply: a session within the window is not refundable.
    expect(wizard.locator("#policy")).to_contain_text("Free cancellation up to 24 hours before" if hours_ahead >= 24
                                                      else "starts within 24 hours, so cancelling it would not be refunded")
    if screenshot:
        screenshot(page, f"wizard-3-confirm-{name}", full_page=False)
    return wizard, starts


def start_paying(page, base, email):
    """Sign in, open Dr. Sarah Khan's wizard, choose the first free slot and press Proceed to pay."""
    log_in(page, base, email, "/experts/sarah/")
    open_wizard(page)
    wizard, starts = choose_first_free_slot(page)
    wizard.get_by_role("button", name="Proceed to pay →").click()
    return wizard, starts


def pay_in_checkout(page, card="4111 1111 1111 1111", screenshot=None, name=""):
    dialog = page.get_by_role("dialog", name="Serene Wellbeing")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name=re.compile("Pay ₹1,500"))).to_be_visible()
    dialog.get_by_label("Card number").fill(card)
    dialog.get_by_label("Expiry").fill("12 / 30")
    dialog.get_by_label("CVV").fill("123")
    if screenshot:
        screenshot(page, f"wizard-4-checkout-{name}", full_page=False)
    dialog.get_by_role("button", name=re.compile("Pay ")).click()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_customer_books_pays_and_gets_receipt_and_calendar(request, sarah, screenshot, device):
    base = request.getfixturevalue("sandbox").url
    customer = UserFactory(email=f"asha-{device}@example.test", name="Asha Verma")
    page = request.getfixturevalue(device).new_page()
    log_in(page, base, customer.email, "/experts/sarah/")
    open_wizard(page)
    wizard, starts = choose_first_free_slot(page, screenshot, device)
    wizard.get_by_role("button", name="Proceed to pay →").click()
    pay_in_checkout(page, screenshot=screenshot, name=device)

    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    screenshot(page, f"booking-success-{device}")
    booking = Booking.objects.get(customer=customer)
    # The browser reports Kolkata as "Asia/Calcutta"; the booking keeps the current name, and the page
    # writes the time as every page does.
    assert booking.customer_time_zone == "Asia/Kolkata"
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text(format_time_range(booking.starts_at, booking.ends_at, "Asia/Kolkata") + " (Kolkata time)")
    expect(summary).to_contain_text(format_day(booking.starts_at.astimezone(ZoneInfo("Asia/Kolkata")).date()))
    expect(summary).not_to_contain_text("for Dr. Sarah Khan")  # the same zone is not named twice
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") == starts
    assert Payment.objects.get(booking=booking).status == PaymentStatus.CAPTURED

    with page.expect_download() as receipt:
        page.get_by_role("link", name="Download receipt").click()
    pdf = open(receipt.value.path(), "rb").read()
    assert pdf.startswith(b"%PDF")
    with page.expect_download() as invite:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    event = Calendar.from_ical(open(invite.value.path(), "rb").read()).walk("VEVENT")[0]
    assert event.decoded("dtstart") == booking.starts_at and event.decoded("dtend") == booking.ends_at
    assert "Dr. Sarah Khan" in str(event.get("summary"))
    assert "calendar.google.com" in page.get_by_role("link", name="Add to Google Calendar").get_attribute("href")

    page.get_by_role("link", name="Go to dashboard").click()
    expect(page.locator(".cust-session")).to_contain_text("Dr. Sarah Khan")


def test_failure_card_goes_to_the_failure_page_and_a_retry_books(sarah, sandbox, desktop, screenshot):
    customer = UserFactory(email="ravi@example.test")
    page = desktop.new_page()
    start_paying(page, sandbox.url, customer.email)
    pay_in_checkout(page, card="4100 2800 0008 0001")
    expect(page.get_by_role("heading", name="Payment did not go through")).to_be_visible()
    expect(page.get_by_text("insufficient balance")).to_be_visible()
    hold = Booking.objects.get(customer=customer)
    expect(page.locator(".notice-info")).to_contain_text(
        f"holding your time until {format_time(hold.hold_expires_at, 'Asia/Kolkata')} (Kolkata time)")
    screenshot(page, "booking-failed-desktop")
    page.get_by_role("button", name="Retry payment").click()
    pay_in_checkout(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    assert Booking.objects.get(customer=customer).status == BookingStatus.CONFIRMED


def test_a_second_customer_sees_the_booked_slot_as_booked(sarah, sandbox, desktop):
    first = UserFactory(email="first@example.test")
    page = desktop.new_page()
    _, starts = start_paying(page, sandbox.url, first.email)
    pay_in_checkout(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)

    second = desktop.browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id="Asia/Kolkata")
    other = second.new_page()
    log_in(other, sandbox.url, UserFactory(email="second@example.test").email, "/experts/sarah/")
    open_wizard(other)
    wizard = other.get_by_role("dialog", name=re.compile("Book a session"))
    expect(wizard.locator("#calendar")).to_have_attribute("aria-busy", "false")
    if wizard.locator(".calendar-day.is-available").count() == 0:
        wizard.get_by_role("button", name="Next month").click()
    wizard.locator(".calendar-day.is-available").first.click()
    booked = wizard.locator(f'.slot[data-starts="{starts}"]')
    expect(booked).to_have_attribute("aria-disabled", "true")
    expect(booked).to_contain_text("Booked")
    second.close()


def test_a_dismissed_checkout_holds_the_slot_until_it_expires(sarah, sandbox, desktop):
    customer = UserFactory(email="holder@example.test")
    page = desktop.new_page()
    wizard, starts = start_paying(page, sandbox.url, customer.email)
    page.get_by_role("button", name="Close payment window").click()
    expect(wizard.get_by_text("Step 3 of 4: Confirm booking")).to_be_visible()
    expect(wizard.locator("#wizard-notice")).to_contain_text("holding this time for you until")
    hold = Booking.objects.get(customer=customer)
    assert hold.status == BookingStatus.PENDING
    api = f"/api/v1/experts/sarah/availability?date={hold.starts_at.astimezone(timezone.get_current_timezone()).date()}"
    def slot_state():
        body = page.request.get(sandbox.url + api + "&duration=60&dateTz=UTC").json()
        return {slot["startsAt"]: slot["available"] for slot in body["availableSlots"]}[starts]
    assert slot_state() is False
    Booking.objects.filter(pk=hold.pk).update(hold_expires_at=timezone.now() - timedelta(seconds=1))
    assert slot_state() is True


def test_a_visitor_chooses_then_signs_in_inside_the_wizard_and_pays(sarah, sandbox, phone, screenshot):
    customer = UserFactory(email="visitor@example.test")
    page = phone.new_page()
    page.goto(sandbox.url + "/experts/sarah/")
    open_wizard(page)
    wizard, starts = choose_first_free_slot(page)
    # Signing in happens inside the confirm step, with the summary in view.
    wizard.get_by_role("button", name="I have an account").click()
    expect(wizard.get_by_label("Your name")).to_be_hidden()
    wizard.get_by_label("Email").fill(customer.email)
    wizard.get_by_label("Password").fill("not-the-password")
    wizard.get_by_role("button", name="Proceed to pay →").click()
    expect(wizard.locator("#account-error")).to_contain_text("do not match an account")
    wizard.get_by_label("Password").fill(TEST_PASSWORD)
    wizard.get_by_role("button", name="Proceed to pay →").click()
    pay_in_checkout(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    assert Booking.objects.get(customer=customer).starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") == starts


def test_a_customer_in_new_york_sees_and_books_in_their_own_time(sarah, sandbox, browser, screenshot):
    """Dr. Sarah Khan works 09:00–17:00 in Kolkata: in New York that is the evening before."""
    customer = UserFactory(email="nyc@example.test", time_zone="America/New_York")
    context = browser.new_context(viewport={"width": 1280, "height": 800}, timezone_id="America/New_York", locale="en-US")
    page = context.new_page()
    log_in(page, sandbox.url, customer.email, "/experts/sarah/")
    open_wizard(page)
    wizard = page.get_by_role("dialog", name=re.compile("Book a session"))
    expect(wizard.locator("[data-viewer-zone]").first).to_have_text("New York time")
    wizard, starts = choose_first_free_slot(page)
    new_york, kolkata = ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata")
    instant = datetime.fromisoformat(starts.replace("Z", "+00:00"))
    ends = instant + timedelta(minutes=60)
    local, expert_local = instant.astimezone(new_york), instant.astimezone(kolkata)
    confirm = wizard.locator("#confirm-list")
    # The customer's own clock and date, then the expert's, named by city: written as pages write them.
    expect(confirm).to_contain_text(format_time_range(instant, ends, "America/New_York") + " (New York time)")
    expect(confirm).to_contain_text(format_day(local.date()))
    expect(confirm).to_contain_text(format_time_range(instant, ends, "Asia/Kolkata"))
    expect(confirm).to_contain_text("for Dr. Sarah Khan (Kolkata time)")
    if local.date() != expert_local.date():  # the usual case: evening in New York is morning in Kolkata
        expect(confirm).to_contain_text("on " + format_short_date(instant, "Asia/Kolkata") + " for Dr. Sarah Khan")
    screenshot(page, "wizard-3-confirm-new-york", full_page=False)
    wizard.get_by_role("button", name="Proceed to pay →").click()
    pay_in_checkout(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    summary = page.locator(".summary-list")
    expect(summary).to_contain_text(format_time_range(instant, ends, "America/New_York") + " (New York time)")
    expect(summary).to_contain_text(format_time(instant, "Asia/Kolkata"))
    expect(summary).to_contain_text("for Dr. Sarah Khan (Kolkata time)")
    assert Booking.objects.get(customer=customer).starts_at == instant
    context.close()


def test_checkout_served_from_another_origin_runs_under_the_payment_pages_policy(sarah, sandbox, settings, desktop):
    """As in production, Checkout comes from another host than the page (here 127.0.0.1 beside
    localhost): the wizard's page allows it, and the booking completes with no CSP violation (the
    autouse fixture checks the console)."""
    other = sandbox.url.replace("localhost", "127.0.0.1")
    assert other != sandbox.url
    settings.RAZORPAY_CHECKOUT_JS = f"{other}/sandbox/razorpay/checkout.js"
    customer = UserFactory(email="csp@example.test")
    page = desktop.new_page()
    start_paying(page, sandbox.url, customer.email)
    pay_in_checkout(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    assert Booking.objects.get(customer=customer).status == BookingStatus.CONFIRMED
    # Any other page refuses that host's scripts.
    assert other not in page.context.request.get(f"{sandbox.url}/").headers["content-security-policy"]
