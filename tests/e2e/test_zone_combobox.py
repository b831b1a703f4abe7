"""The time-zone picker is a searchable combobox (ARIA 1.2, listbox popup) over the plain <select>,
used with the keyboard alone: type "lon", London comes first, Enter chooses it, the form saves it. Empty,
it lists the browser's zone and the common ones first. Without JavaScript the <select> does the job."""
import pytest
from playwright.sync_api import expect

from serene.accounts.models import User
from tests.factories import ExpertFactory, UserFactory

from .page_checks import page_problems
from .signed_in import sign_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tab_to(page, role_attribute: str, presses: int = 12) -> None:
    for _ in range(presses):
        if page.evaluate(f"document.activeElement.getAttribute('role') === '{role_attribute}'"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"no {role_attribute} reached by Tab")


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_keyboard_only_picks_london_on_the_profile(request, live_server, axe, screenshot, device):
    user = UserFactory(email=f"zones-{device}@example.test", name="Priyadarshini Ramaswamy-Iyengar",
                       time_zone="America/New_York")
    context = request.getfixturevalue(device)
    sign_in_context(context, live_server.url, user.email)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/profile/")
    page.wait_for_load_state("load")
    picker = page.get_by_role("combobox", name="Time zone")
    expect(picker).to_have_value("America/New York")
    expect(page.locator("#id_time_zone")).to_be_hidden()

    page.get_by_label("Name").focus()
    _tab_to(page, "combobox")
    page.keyboard.press("ArrowDown")  # opens the list: the browser's zone, the saved one, then the common ones
    listbox = page.get_by_role("listbox")
    expect(listbox).to_be_visible()
    expect(picker).to_have_attribute("aria-expanded", "true")
    options = listbox.get_by_role("option")
    expect(options.nth(0)).to_have_text("Asia/Kolkata")  # the browser's (Chromium says Asia/Calcutta)
    expect(options.nth(1)).to_have_text("America/New York")
    problems = page_problems(page, axe, name="zone-combobox-open", phone=device == "phone")
    screenshot(page, f"zone-combobox-open-{device}", full_page=False)

    picker.focus()  # the checks above measured the skip link, which took focus for a moment
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    page.keyboard.type("lon")
    expect(options.first).to_have_text("Europe/London")
    active = picker.get_attribute("aria-activedescendant")
    assert active and page.locator(f"#{active}").inner_text() == "Europe/London"
    screenshot(page, f"zone-combobox-lon-{device}", full_page=False)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("Enter")
    expect(listbox).to_be_hidden()
    expect(picker).to_have_value("Europe/London")
    expect(page.locator("#id_time_zone")).to_have_value("Europe/London")
    page.keyboard.press("Tab")
    for _ in range(4):
        if page.evaluate("document.activeElement.textContent.trim() === 'Save profile'"):
            break
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    assert User.objects.get(pk=user.pk).time_zone == "Europe/London"
    assert problems == [], "\n".join(problems)


def test_without_javascript_the_select_still_saves(browser, live_server):
    user = UserFactory(email="nojs@example.test", time_zone="Asia/Kolkata")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 390, "height": 844})
    sign_in_context(context, live_server.url, user.email)
    page = context.new_page()
    page.goto(live_server.url + "/accounts/profile/")
    assert page.get_by_role("combobox", name="Time zone").evaluate("el => el.tagName") == "SELECT"
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    assert User.objects.get(pk=user.pk).time_zone == "Europe/London"
    context.close()


def test_the_availability_editors_zone_is_searchable(live_server, desktop, axe):
    expert = ExpertFactory(slug="zones", user__email="zones-expert@example.test", time_zone="Asia/Kolkata")
    sign_in_context(desktop, live_server.url, expert.user.email)
    page = desktop.new_page()
    page.goto(live_server.url + "/expert/availability/")
    page.wait_for_load_state("load")
    picker = page.get_by_role("combobox", name="Your time zone")
    picker.focus()
    page.keyboard.type("new y")
    page.keyboard.press("Enter")
    expect(page.locator("#timezone")).to_have_value("America/New_York")
    page.get_by_role("button", name="Save availability").click()
    expect(page.locator("#editor-status")).to_contain_text("Saved")
    expert.refresh_from_db()
    assert expert.time_zone == "America/New_York"
