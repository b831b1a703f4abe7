"""An expert edits availability in Chromium: inline errors, save, preview, keyboard and phone."""
import pytest
from playwright.sync_api import expect

from serene.availability.services import availability_as_json
from tests.factories import TEST_PASSWORD, ExpertFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _log_in(page, base, email):
    page.goto(base + "/accounts/login/?next=/expert/availability/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your availability")).to_be_visible()
    page.wait_for_load_state("load")  # the editor's deferred script has wired its buttons by then


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_expert_edits_hours_sees_an_inline_error_then_saves(request, live_server, screenshot, device):
    expert = ExpertFactory(slug="sarah", user__email=f"sarah-{device}@example.test", minimum_notice_hours=0)
    page = request.getfixturevalue(device).new_page()
    _log_in(page, live_server.url, expert.user.email)
    expect(page.locator("#preview .preview-days li")).to_have_count(7)
    screenshot(page, f"availability-editor-{device}")

    # Turn Saturday on and give it a backwards range: the server names the field, the page shows it there.
    page.get_by_role("checkbox", name="Saturday", exact=True).check()
    page.get_by_label("Saturday hours from").fill("14:00")
    page.get_by_label("Saturday hours until").fill("10:00")
    page.get_by_role("button", name="Save availability").click()
    expect(page.locator("#editor-status")).to_contain_text("Not saved")
    saturday_error = page.locator('[data-field="workingHours.6.ranges.0"] .field-error')
    expect(saturday_error).to_contain_text("The end time must be after the start time")
    screenshot(page, f"availability-editor-error-{device}")

    page.get_by_label("Saturday hours from").fill("10:00")
    page.get_by_label("Saturday hours until").fill("14:00")
    page.get_by_role("button", name="+ Add a break").click()
    page.get_by_label("Break from").fill("12:00")
    page.get_by_label("Break until").fill("12:30")
    page.get_by_role("button", name="Save availability").click()
    expect(page.locator("#editor-status")).to_contain_text("Saved")
    rules = availability_as_json(expert=expert)
    assert rules["workingHours"]["6"]["ranges"] == [{"start": "10:00", "end": "14:00"}]
    assert rules["breakTimes"] == [{"start": "12:00", "end": "12:30", "days": [1, 2, 3, 4, 5]}]


def test_keyboard_only_adds_a_day_off(live_server, desktop):
    expert = ExpertFactory(slug="meera", user__email="meera@example.test")
    page = desktop.new_page()
    _log_in(page, live_server.url, expert.user.email)
    page.get_by_role("button", name="+ Add a date").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_label("From date")).to_be_focused()
    page.get_by_label("From date").fill("2030-12-24")
    page.get_by_role("button", name="Save availability").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#editor-status")).to_contain_text("Saved")
    overrides = availability_as_json(expert=expert)["dateOverrides"]
    assert [(o["startDate"], o["available"]) for o in overrides] == [("2030-12-24", False)]


def test_no_page_scrolls_sideways_at_390_px_when_signed_in(live_server, phone):
    expert = ExpertFactory(slug="wide", user__email="wide@example.test", user__name="Odika Venkataraman")
    page = phone.new_page()
    _log_in(page, live_server.url, expert.user.email)
    for path in ("/", "/expert/availability/", "/dashboard/", "/accounts/profile/", "/experts/wide/"):
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_editor_with_days_off_fits_the_screen_and_passes_axe(request, live_server, axe, screenshot, device):
    """A practice as it looks after a few months: a long name, a week away, a day with special hours
    and a break. At 390 px nothing reaches past the screen's edge (the remove buttons included)."""
    from datetime import date, timedelta

    from serene.availability.models import DateOverride

    from .page_checks import page_problems

    expert = ExpertFactory(slug=f"long-{device}", user__email=f"long-{device}@example.test",
                           user__name="Dr. Anantharamakrishnan Venkatasubramanian-Chattopadhyay")
    first = date.today() + timedelta(days=20)
    DateOverride.objects.create(expert=expert, start_date=first, end_date=first + timedelta(days=6),
                                note="Family wedding in Chennai")
    DateOverride.objects.create(expert=expert, start_date=first + timedelta(days=30),
                                end_date=first + timedelta(days=30),
                                ranges=[{"start": "09:00", "end": "12:00"}], note="Morning only")
    page = request.getfixturevalue(device).new_page()
    _log_in(page, live_server.url, expert.user.email)
    expect(page.locator("#overrides .override-row")).to_have_count(2)
    page.get_by_role("button", name="+ Add a date").click()
    problems = page_problems(page, axe, name="availability-days-off", phone=device == "phone")
    screenshot(page, f"availability-days-off-{device}")
    width = page.evaluate("document.documentElement.clientWidth")
    for button in page.get_by_role("button", name="Remove this date").all():
        box = button.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    for field in page.locator("#overrides input:visible, #overrides select:visible").all():
        box = field.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_day_off_over_a_booked_session_lists_it_to_keep_or_cancel(request, live_server, screenshot, axe, device):
    from tests.bookings.helpers import at, next_weekday
    from tests.bookings.test_lifecycle import confirmed
    from tests.e2e.page_checks import page_problems
    from tests.factories import UserFactory

    expert = ExpertFactory(slug="sarah", user__email=f"sarah-off-{device}@example.test", minimum_notice_hours=0,
                           buffer_minutes=0)
    day = next_weekday()
    confirmed(expert, starts=at(day, 10), customer=UserFactory(name="Anantharaman Venkatasubramanian-Krishnamurthy"))
    page = request.getfixturevalue(device).new_page()
    _log_in(page, live_server.url, expert.user.email)
    page.get_by_role("button", name="+ Add a date").click()
    page.get_by_label("From date").fill(str(day))
    page.get_by_role("button", name="Save availability").click()
    expect(page.locator("#editor-status")).to_contain_text("1 booked session falls on your days off")
    listed = page.locator(".days-off-session")
    expect(listed).to_have_count(1)
    expect(listed).to_contain_text("Anantharaman")
    expect(listed.get_by_role("link", name="Cancel with full refund")).to_be_visible()
    screenshot(page, f"availability-days-off-sessions-{device}")
    problems = page_problems(page, axe, name=f"availability-days-off-sessions-{device}", phone=device == "phone")
    assert problems == [], "\n".join(problems)
    box, width = page.locator("#days-off-sessions").bounding_box(), page.viewport_size["width"]
    assert box["x"] >= 0 and box["x"] + box["width"] <= width
    listed.get_by_role("link", name="Cancel with full refund").click()
    expect(page.get_by_role("button", name="Cancel and refund")).to_be_visible()
    screenshot(page, f"availability-days-off-sessions-cancel-{device}")
