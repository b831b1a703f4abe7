"""A visitor browses, searches, filters and opens a profile in a real Chromium, desktop and phone."""
import pytest
from django.core.management import call_command
from django.urls import get_resolver
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo_site(live_server):
    call_command("seed_demo", verbosity=0)
    _ = get_resolver().url_patterns  # import the URLconf (and the API) now, not inside the browser's first page load
    return live_server.url


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_browse_search_filter_and_open_a_profile(request, demo_site, screenshot, device):
    context = request.getfixturevalue(device)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(demo_site + "/")
    expect(page.get_by_role("heading", name="Talk to someone who can help")).to_be_visible()
    expect(page.locator(".expert-card")).to_have_count(12)
    expect(page.locator(".result-count")).to_contain_text("14 experts")
    screenshot(page, f"browse-{device}")

    # Search as you type (htmx swaps only the results, and pushes the URL).
    page.get_by_label("Search").fill("anxiety")
    expect(page.locator(".expert-card")).to_have_count(1)
    expect(page.locator(".expert-card h3")).to_have_text("Dr. Sarah Khan")
    assert "q=anxiety" in page.url

    # Filter by category and sort by price. On a phone the filters are folded behind a button that
    # leaves the first expert card on the first screen, and counts the active filters.
    page.get_by_label("Search").fill("")
    expect(page.locator(".expert-card")).to_have_count(12)
    filters_button = page.get_by_role("button", name="Filters")
    if device == "phone":
        expect(page.get_by_label("Category")).to_be_hidden()
        assert page.locator(".expert-card").first.bounding_box()["y"] < 844
        expect(filters_button).to_have_attribute("aria-expanded", "false")
        filters_button.click()
        expect(filters_button).to_have_attribute("aria-expanded", "true")
    else:
        expect(filters_button).to_be_hidden()
    page.get_by_label("Category").select_option("therapy")
    expect(page.locator(".expert-card")).to_have_count(5)
    page.get_by_label("Sort by").select_option("price_asc")
    expect(page.locator(".expert-card h3").first).to_have_text("Ananya Iyer")
    if device == "phone":
        expect(filters_button).to_have_accessible_name("Filters 1 active")
    screenshot(page, f"browse-filtered-{device}")

    # A price range the wrong way round answers in plain words beside the price fields (htmx).
    page.get_by_label("Minimum price per hour in rupees").fill("3000")
    page.get_by_label("Maximum price per hour in rupees").fill("1000")
    page.get_by_role("button", name="Search").click()
    words = "The lowest price (₹3,000) is more than the highest (₹1,000). Lower the first or raise the second."
    expect(page.locator("#price-error")).to_have_text(words)
    expect(page.locator("#results")).to_contain_text("Check the price range")
    expect(page.get_by_label("Minimum price per hour in rupees")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Minimum price per hour in rupees")).to_have_accessible_description(words)
    assert "min_price=3000" in page.url
    screenshot(page, f"browse-price-error-{device}")
    page.get_by_label("Minimum price per hour in rupees").fill("")

    # An impossible filter explains itself and offers a way back.
    page.get_by_label("Maximum price per hour in rupees").fill("100")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No experts match your search")).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator(".expert-card")).to_have_count(12)

    page.locator(".expert-card", has_text="Dr. Sarah Khan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr. Sarah Khan")
    expect(page.locator(".price-list")).to_contain_text("₹750")
    expect(page.locator(".price-list")).to_contain_text("₹1,500")
    expect(page.locator(".price-list")).to_contain_text("₹2,250")
    expect(page.get_by_role("button", name="Book a session")).to_be_visible()
    screenshot(page, f"profile-{device}")
    assert errors == []


def test_keyboard_reaches_search_and_a_card(demo_site, desktop):
    page = desktop.new_page()
    page.goto(demo_site + "/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.get_by_label("Search").focus()
    page.keyboard.type("meera")
    expect(page.locator(".expert-card")).to_have_count(1)
    page.locator(".card-link").first.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Meera Nair")


def test_profile_page_offers_the_browser_time_zone(demo_site, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, timezone_id="Europe/London")
    page = context.new_page()
    page.goto(demo_site + "/accounts/login/")
    page.get_by_label("Email").fill("customer@serene.test")
    page.get_by_label("Password").fill("serene-demo-2026")
    page.get_by_role("button", name="Log in").click()
    page.goto(demo_site + "/accounts/profile/")
    expect(page.locator("#tz-detected")).to_have_text("Europe/London")
    screenshot(page, "profile-settings-phone")
    page.get_by_role("button", name="Use this time zone").click()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/London")
    context.close()
