"""The booking wizard as one flow, at 1280 px and on a 390 px phone: a new customer signs up and pays
without leaving it; Back and reload keep its state; a keyboard alone gets from the profile to the
success page; a fast phone user needs at most 12 taps; axe-core finds nothing serious on any step."""
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from serene.accounts.models import User
from serene.bookings.models import Booking, BookingStatus
from tests.factories import TEST_PASSWORD, ExpertFactory, UserFactory

from .test_booking_wizard import warm_up

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DEVICES = ["desktop", "phone"]
NEW_PASSWORD = "a-calm-evening-walk"


@pytest.fixture
def sarah(sandbox):
    expert = ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", hourly_rate_minor=150000, minimum_notice_hours=0,
                           offered_durations=[30, 60, 90], booking_horizon_days=40)
    warm_up(sandbox.url)
    return expert


def wizard_of(page):
    return page.get_by_role("dialog", name=re.compile("Book a session"))


def focused(page) -> dict:
    return page.evaluate("""() => { const a = document.activeElement;
        return {id: a.id, tag: a.tagName, text: (a.textContent || '').trim().slice(0, 60), label: a.getAttribute('aria-label') || '',
                inWizard: !!a.closest('#wizard'), inCheckout: !!a.closest('.rzp-sbx'), date: a.dataset.date || '',
                starts: a.dataset.starts || ''}; }""")


def banners(page) -> int:
    """Banner landmarks the page exposes now (header elements not inside a sectioning element, or role=banner)."""
    return page.evaluate("""() => [...document.querySelectorAll('header, [role=banner]')].filter(h =>
        (h.getAttribute('role') === 'banner' || !h.parentElement.closest('article, aside, main, nav, section'))
        && h.getClientRects().length && !h.closest('[inert]')).length""")


def step_is(wizard, number, name):
    expect(wizard.get_by_role("heading", name=f"Step {number} of 4: {name}")).to_be_visible()


def first_free_date(wizard):
    expect(wizard.locator("#calendar")).to_have_attribute("aria-busy", "false")
    if wizard.locator(".calendar-day.is-available").count() == 0:
        wizard.get_by_role("button", name="Next month").click()
        expect(wizard.locator(".calendar-day.is-available").first).to_be_visible()
    return wizard.locator(".calendar-day.is-available").first


def free_slot(wizard):
    """A free time, not the first of the day: with no minimum notice the first may start within
    minutes, and pass while a slow machine runs the test."""
    free = wizard.locator('.slot:not([aria-disabled="true"])')
    expect(free.first).to_be_visible()
    return free.nth(1) if free.count() > 1 else free.first


def log_in_and_book_the_first_free_time(page, sandbox, customer):
    """Sign in on the log-in page, then book Dr. Sarah Khan's first free time up to the checkout."""
    page.goto(f"{sandbox.url}/accounts/login/?next=/experts/sarah/")
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Book a session").click()
    wizard = wizard_of(page)
    first_free_date(wizard).click()
    free_slot(wizard).click()
    wizard.get_by_role("button", name="Proceed to pay →").click()


def pay_by_card(page, card="4111 1111 1111 1111"):
    checkout = page.get_by_role("dialog", name="Serene Wellbeing")
    expect(checkout).to_be_visible()
    checkout.get_by_label("Card number").fill(card)
    checkout.get_by_label("Expiry").fill("12 / 30")
    checkout.get_by_label("CVV").fill("123")
    checkout.get_by_role("button", name=re.compile("Pay ")).click()


@pytest.mark.parametrize("device", DEVICES)
def test_a_new_customer_signs_up_and_pays_without_leaving_the_wizard(request, sarah, sandbox, screenshot, axe, device):
    page = request.getfixturevalue(device).new_page()
    loads = []
    page.on("domcontentloaded", lambda loaded: loads.append(loaded.url))  # document loads, not pushState
    page.goto(sandbox.url + "/experts/sarah/")
    screenshot(page, f"flow-0-profile-{device}", full_page=False)
    page.get_by_role("button", name="Book a session").click()
    wizard = wizard_of(page)
    step_is(wizard, 1, "Select date")
    first_free_date(wizard)
    assert not axe(page, include="#wizard"), "step 1"
    screenshot(page, f"flow-1-date-{device}", full_page=False)
    first_free_date(wizard).click()
    step_is(wizard, 2, "Select time")
    expect(wizard.locator(".slot").first).to_be_visible()
    assert not axe(page, include="#wizard"), "step 2"
    screenshot(page, f"flow-2-time-{device}", full_page=False)
    slot = free_slot(wizard)
    starts = slot.get_attribute("data-starts")
    slot.click()
    step_is(wizard, 3, "Confirm booking")
    # The summary stays in view above the account fields; the policy is the one sentence of bookings/policy.py.
    expect(wizard.locator("#confirm-list")).to_contain_text("₹1,500")
    expect(wizard.get_by_label("Your name")).to_be_visible()
    assert not axe(page, include="#wizard"), "step 3"
    screenshot(page, f"flow-3-confirm-signup-{device}", full_page=True)

    # Nothing filled: each field says what it needs, and focus goes to the first.
    wizard.get_by_role("button", name="Proceed to pay →").click()
    expect(wizard.locator("#account-name-error")).to_have_text("Please tell us your name.")
    expect(wizard.get_by_label("Your name")).to_be_focused()
    wizard.get_by_label("Your name").fill("Asha Verma")
    wizard.get_by_label("Email").fill(f"asha-{device}@example.test")
    wizard.get_by_label("Password").fill("short")
    wizard.get_by_role("button", name="Proceed to pay →").click()
    # The server's rules (those of the sign-up page) answer beside the field.
    expect(wizard.locator("#account-password-error")).to_contain_text("too short")
    expect(wizard.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    assert not axe(page, include="#wizard"), "step 3 with errors"
    screenshot(page, f"flow-3-confirm-errors-{device}", full_page=False)
    wizard.get_by_label("Password").fill(NEW_PASSWORD)
    wizard.get_by_label("What would you like to talk about?").fill("Sleep, and work stress.")
    wizard.get_by_role("button", name="Proceed to pay →").click()

    checkout = page.get_by_role("dialog", name="Serene Wellbeing")
    expect(checkout).to_be_visible()
    # Signed in now: the header no longer offers to log in; it becomes the server's signed-in header
    # (fetched without leaving the page), with Log out, behind the Menu button on a phone.
    header = page.locator(".site-header")
    expect(header.locator("#nav-menu")).to_have_count(1)
    expect(header.locator(".nav-user")).to_have_text("Your profile: Asha")
    expect(header.locator("#nav-menu a", has_text="My sessions")).to_have_attribute("href", "/dashboard/")
    expect(header.locator("#nav-menu input[name=csrfmiddlewaretoken]")).not_to_have_value("")
    expect(header.get_by_role("link", name="Log in")).to_have_count(0)
    expect(header.get_by_role("link", name="Sign up")).to_have_count(0)
    assert banners(page) <= 1, "one banner landmark while checkout is open"
    assert not axe(page, include=".rzp-sbx-backdrop"), "checkout"
    screenshot(page, f"flow-4-checkout-{device}", full_page=False)
    if device == "desktop":  # behind the checkout dialog a phone's Menu button is out of reach; see below
        expect(header.get_by_role("button", name="Log out")).to_be_visible()
    pay_by_card(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    assert not axe(page), "success page"
    screenshot(page, f"flow-5-success-{device}")

    # One page load for the profile, then the success page: the wizard never sent the customer away.
    paths = [re.sub(r"^https?://[^/]+", "", url).split("?")[0] for url in loads]
    assert paths == ["/experts/sarah/", "/booking/success"], loads
    user = User.objects.get(email=f"asha-{device}@example.test")
    booking = Booking.objects.get(customer=user)
    assert booking.status == BookingStatus.CONFIRMED and booking.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") == starts
    assert booking.customer_note == "Sleep, and work stress." and user.time_zone == "Asia/Kolkata"
    # Said once: booked in the heading, not "confirmed" again beneath it.
    expect(page.locator(".result-page")).not_to_contain_text("confirmed")


@pytest.mark.parametrize("device", DEVICES)
def test_reload_and_back_keep_the_step_and_the_choices(request, sarah, sandbox, device):
    page = request.getfixturevalue(device).new_page()
    page.goto(sandbox.url + "/experts/sarah/")
    page.get_by_role("button", name="Book a session").click()
    wizard = wizard_of(page)
    date = first_free_date(wizard).get_attribute("data-date")
    page.reload()  # step 1 survives a reload too
    step_is(wizard, 1, "Select date")
    first_free_date(wizard)
    wizard.locator(f'[data-date="{date}"]').click()
    step_is(wizard, 2, "Select time")
    assert f"date={date}" in page.url
    wizard.locator("label", has_text="30 min").click()
    expect(wizard.locator(".slot").first).to_be_visible()
    page.reload()
    step_is(wizard, 2, "Select time")
    expect(wizard.get_by_role("radio", name=re.compile("30 min"))).to_be_checked()
    slot = wizard.locator('.slot:not([aria-disabled="true"])').nth(2)
    starts = slot.get_attribute("data-starts")
    slot.click()
    step_is(wizard, 3, "Confirm booking")
    confirm = wizard.locator("#confirm-list").text_content()
    page.reload()
    step_is(wizard, 3, "Confirm booking")
    expect(wizard.locator("#confirm-list")).to_have_text(confirm)
    expect(wizard.locator("#confirm-list")).to_contain_text("30 minutes")

    page.go_back()
    step_is(wizard, 2, "Select time")
    expect(wizard.locator(f'.slot[data-starts="{starts}"]')).to_have_attribute("aria-pressed", "true")
    expect(wizard.get_by_role("radio", name=re.compile("30 min"))).to_be_checked()
    page.go_back()
    step_is(wizard, 1, "Select date")
    expect(wizard.locator(f'[data-date="{date}"]')).to_have_attribute("aria-pressed", "true")
    # Back once more (Android's Back) closes the wizard and stays on the profile.
    page.go_back()
    expect(wizard).to_be_hidden()
    assert page.url.rstrip("/").endswith("/experts/sarah") and "book=" not in page.url
    expect(page.get_by_role("heading", name="Dr. Sarah Khan", level=1)).to_be_visible()
    # Forward again brings the steps back, choices included.
    page.go_forward()
    step_is(wizard, 1, "Select date")
    page.go_forward()
    step_is(wizard, 2, "Select time")
    expect(wizard.locator(f'.slot[data-starts="{starts}"]')).to_have_attribute("aria-pressed", "true")
    # The wizard's own Back walks the same history; Cancel at step 1 closes it.
    wizard.get_by_role("button", name="← Back").click()
    step_is(wizard, 1, "Select date")
    wizard.get_by_role("button", name="Cancel").click()
    expect(wizard).to_be_hidden()
    assert "book=" not in page.url


def test_keyboard_only_from_the_profile_to_the_success_page(sarah, sandbox, desktop, axe):
    customer = UserFactory(email="keys@example.test", name="Kiran Rao")
    page = desktop.new_page()
    page.goto(f"{sandbox.url}/accounts/login/?next=/experts/sarah/")
    page.get_by_label("Email").fill(customer.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(re.compile("/experts/sarah/"))
    page.wait_for_load_state("load")
    for _ in range(40):  # Tab from the top of the page to the Book button
        page.keyboard.press("Tab")
        if focused(page)["id"] == "book-button":
            break
    assert focused(page)["id"] == "book-button"
    page.keyboard.press("Enter")
    wizard = wizard_of(page)
    step_is(wizard, 1, "Select date")
    assert focused(page)["id"] == "wizard-step-label"

    # Tab stays inside the open wizard.
    for _ in range(25):
        page.keyboard.press("Tab")
        assert focused(page)["inWizard"], focused(page)
    # Escape closes it and gives focus back to the Book button.
    page.keyboard.press("Escape")
    expect(wizard).to_be_hidden()
    assert focused(page)["id"] == "book-button"
    page.keyboard.press("Enter")
    step_is(wizard, 1, "Select date")
    first_free_date(wizard)

    # The date grid is one Tab stop; arrow keys move inside it.
    stops = []
    for _ in range(6):
        page.keyboard.press("Tab")
        stops.append(focused(page))
        if stops[-1]["date"]:
            break
    day = focused(page)
    assert day["date"], stops
    page.keyboard.press("ArrowRight")
    assert focused(page)["date"] > day["date"]
    page.keyboard.press("ArrowLeft")
    assert focused(page)["date"] == day["date"]
    page.keyboard.press("Tab")
    assert not focused(page)["date"], "one Tab stop for the whole grid"
    page.keyboard.press("Shift+Tab")
    assert focused(page)["date"] == day["date"]
    page.keyboard.press("Enter")
    step_is(wizard, 2, "Select time")
    assert focused(page)["id"] == "wizard-step-label"
    expect(wizard.locator(".slot").first).to_be_visible()

    for _ in range(10):  # past the durations and the time zone picker, into the slot grid
        page.keyboard.press("Tab")
        if focused(page)["starts"]:
            break
    first = focused(page)
    assert first["starts"]
    page.keyboard.press("ArrowDown")
    below = focused(page)
    assert below["starts"] > first["starts"]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowRight")
    chosen = focused(page)
    assert first["starts"] < chosen["starts"] < below["starts"]
    page.keyboard.press("Enter")
    step_is(wizard, 3, "Confirm booking")
    assert focused(page)["id"] == "wizard-step-label"
    for _ in range(10):
        page.keyboard.press("Tab")
        if focused(page)["text"] == "Proceed to pay →":
            break
    assert focused(page)["text"] == "Proceed to pay →"
    page.keyboard.press("Enter")

    checkout = page.get_by_role("dialog", name="Serene Wellbeing")
    expect(checkout).to_be_visible()
    expect(checkout.get_by_label("Card number")).to_be_focused()
    for _ in range(12):  # Tab stays inside the checkout overlay
        page.keyboard.press("Tab")
        assert focused(page)["inCheckout"], focused(page)
    page.keyboard.press("Escape")  # closed: focus is back on the button that opened it
    expect(checkout).to_be_hidden()
    assert focused(page)["text"] == "Proceed to pay →"
    page.keyboard.press("Enter")
    expect(checkout.get_by_label("Card number")).to_be_focused()
    page.keyboard.type("4111 1111 1111 1111")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "rzp-sbx-exp"
    page.keyboard.type("12 / 30")
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "rzp-sbx-cvv"
    page.keyboard.type("123")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    booking = Booking.objects.get(customer=customer)
    assert booking.starts_at.strftime("%Y-%m-%dT%H:%M:%SZ") == chosen["starts"]


def test_a_fast_new_customer_on_a_phone_books_in_at_most_12_taps(sarah, sandbox, phone, screenshot):
    page = phone.new_page()
    taps = []

    def tap(locator, why):
        locator.tap()
        taps.append(why)

    page.goto(sandbox.url + "/")
    tap(page.get_by_role("link", name=re.compile("Dr. Sarah Khan")).first, "expert card")
    bar = page.locator("#book-bar")
    expect(bar).to_be_in_viewport()  # the Book bar is on the first screen of the profile
    tap(bar.get_by_role("button", name="Book a session"), "book")
    wizard = wizard_of(page)
    tap(first_free_date(wizard), "date")
    tap(free_slot(wizard), "time")
    tap(wizard.get_by_label("Your name"), "name field")
    page.keyboard.type("Asha Verma")
    page.keyboard.press("Tab")  # the phone keyboard's "next"
    page.keyboard.type("asha-fast@example.test")
    page.keyboard.press("Tab")
    page.keyboard.type(NEW_PASSWORD)
    tap(wizard.get_by_role("button", name="Proceed to pay →"), "proceed")
    checkout = page.get_by_role("dialog", name="Serene Wellbeing")
    expect(checkout.get_by_label("Card number")).to_be_focused()
    page.keyboard.type("4111 1111 1111 1111")
    page.keyboard.press("Tab")
    page.keyboard.type("12 / 30")
    page.keyboard.press("Tab")
    page.keyboard.type("123")
    tap(checkout.get_by_role("button", name=re.compile("Pay ")), "pay")
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    print(f"phone journey: {len(taps)} taps: {', '.join(taps)}")
    assert len(taps) <= 12, taps
    assert Booking.objects.get(customer__email="asha-fast@example.test").status == BookingStatus.CONFIRMED


@pytest.mark.parametrize("device", DEVICES)
def test_the_book_button_works_before_the_wizard_script_has_loaded(request, sarah, sandbox, device):
    page = request.getfixturevalue(device).new_page()
    held = []
    # A slow network: the wizard's script is held back until the tap has been made.
    page.route("**/js/booking-wizard.js", lambda route: held.append(route))
    page.goto(sandbox.url + "/experts/sarah/", wait_until="commit")
    # Before the styles arrive both Book buttons (side card, phone bar) are in the DOM: either will do.
    page.get_by_role("button", name="Book a session").first.click()  # as soon as it is there
    expect(page.locator("#wizard")).to_be_hidden()
    assert "book=" not in page.url  # the tap was kept, not lost nor turned into a reload
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    step_is(wizard_of(page), 1, "Select date")


def test_changing_the_length_keeps_a_time_still_free_and_says_so_when_not(sarah, sandbox, desktop):
    page = desktop.new_page()
    page.goto(sandbox.url + "/experts/sarah/")
    page.get_by_role("button", name="Book a session").click()
    wizard = wizard_of(page)
    first_free_date(wizard).click()
    early_slot = free_slot(wizard)
    early = early_slot.get_attribute("data-starts")
    early_slot.click()
    step_is(wizard, 3, "Confirm booking")
    wizard.get_by_role("button", name="← Back").click()
    wizard.locator("label", has_text="90 min").click()
    expect(wizard.locator(f'.slot[data-starts="{early}"]')).to_have_attribute("aria-pressed", "true")
    expect(wizard.get_by_role("button", name="Next →")).to_be_enabled()
    wizard.get_by_role("button", name="Next →").click()
    expect(wizard.locator("#confirm-list")).to_contain_text("90 minutes")
    # The last 30-minute time of the day is not free for 90 minutes: the choice is dropped, and said.
    wizard.get_by_role("button", name="← Back").click()
    wizard.locator("label", has_text="30 min").click()
    late = wizard.locator('.slot:not([aria-disabled="true"])').last
    expect(late).to_be_visible()
    late_starts = late.get_attribute("data-starts")
    late.click()
    wizard.get_by_role("button", name="← Back").click()
    wizard.locator("label", has_text="90 min").click()
    expect(wizard.locator("#wizard-notice")).to_contain_text("is not free for 90 minutes")
    expect(wizard.locator(f'.slot[data-starts="{late_starts}"]')).to_have_count(0)
    expect(wizard.get_by_role("button", name="Next →")).to_be_disabled()


def test_the_next_month_arrow_stops_at_the_booking_horizon(sarah, sandbox, desktop):
    page = desktop.new_page()
    page.goto(sandbox.url + "/experts/sarah/")
    page.get_by_role("button", name="Book a session").click()
    wizard = wizard_of(page)
    next_month = wizard.get_by_role("button", name="Next month")
    last = (timezone.localtime(timezone.now(), timezone=__import__("zoneinfo").ZoneInfo("Asia/Kolkata")).date()
            + timedelta(days=sarah.booking_horizon_days))
    clicks = 0
    while next_month.is_enabled():
        next_month.click()
        clicks += 1
        assert clicks < 4
    expect(wizard.locator("#calendar-month")).to_contain_text(str(last.year))
    expect(wizard.locator("#calendar-month")).to_contain_text(last.strftime("%B"))


def test_a_failed_slot_load_offers_try_again(sarah, sandbox, desktop):
    page = desktop.new_page()
    failures = []

    def fail_once(route):
        if not failures:
            failures.append(True)
            route.abort()
        else:
            route.continue_()

    page.route("**/api/v1/experts/sarah/availability?*", fail_once)
    page.goto(sandbox.url + "/experts/sarah/")
    page.get_by_role("button", name="Book a session").click()
    wizard = wizard_of(page)
    first_free_date(wizard).click()
    expect(wizard.locator("#slots")).to_contain_text("We could not reach Serene")
    wizard.get_by_role("button", name="Try again").click()
    expect(wizard.locator('.slot:not([aria-disabled="true"])').first).to_be_visible()


def test_the_time_zone_switcher_shows_times_in_the_chosen_zone(sarah, sandbox, desktop):
    page = desktop.new_page()
    page.goto(sandbox.url + "/experts/sarah/")
    page.get_by_role("button", name="Book a session").click()
    wizard = wizard_of(page)
    first_free_date(wizard).click()
    expect(wizard.locator(".slot").first).to_be_visible()
    expect(wizard.locator("#expert-zone-note")).to_have_text("")  # same zone: not named twice
    picker = wizard.get_by_role("combobox", name="Time zone")  # zone-combobox.js over the <select>
    picker.fill("lon")
    picker.press("Enter")
    expect(wizard.locator("[data-viewer-zone]").first).to_have_text("London time")
    expect(wizard.locator("#expert-zone-note")).to_contain_text("Dr. Sarah Khan is on Kolkata time")
    assert "tz=Europe%2FLondon" in page.url
    free_slot(wizard).click()
    expect(wizard.locator("#confirm-list")).to_contain_text("(London time)")
    expect(wizard.locator("#confirm-list")).to_contain_text("for Dr. Sarah Khan (Kolkata time)")
    expect(wizard.locator("#confirm-list")).not_to_contain_text("Asia/")


def test_with_reduced_motion_the_success_check_mark_is_drawn(sarah, sandbox, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, reduced_motion="reduce",
                                  timezone_id="Asia/Kolkata")
    customer = UserFactory(email="still@example.test")
    page = context.new_page()
    log_in_and_book_the_first_free_time(page, sandbox, customer)
    pay_by_card(page)
    expect(page.get_by_role("heading", name="Your session is booked")).to_be_visible(timeout=20_000)
    offset = page.evaluate("() => getComputedStyle(document.querySelector('.result-ok svg path')).strokeDashoffset")
    assert offset in ("0", "0px"), offset
    context.close()


def test_the_failure_page_has_no_serious_accessibility_problem(sarah, sandbox, phone, axe, screenshot):
    customer = UserFactory(email="declined@example.test")
    page = phone.new_page()
    log_in_and_book_the_first_free_time(page, sandbox, customer)
    pay_by_card(page, card="4100 2800 0008 0001")
    expect(page.get_by_role("heading", name="Payment did not go through")).to_be_visible()
    assert not axe(page), "failure page"
    screenshot(page, "flow-6-failed-phone")
