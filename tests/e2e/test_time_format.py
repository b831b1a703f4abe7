"""In Chromium: static/js/timefmt.js writes what core.timefmt writes, whatever the browser's language,
and a browser that reports Kolkata as "Asia/Calcutta" is on the saved "Asia/Kolkata"."""
from datetime import date, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect

import serene
from serene.accounts.models import User
from serene.core.templatetags.serene import time_zone_aliases
from serene.core.timefmt import (format_date, format_day, format_short_date, format_time, format_time_range,
                                 format_when, zone_label)
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = [pytest.mark.browser]

TIMEFMT_JS = Path(serene.__file__).resolve().parent / "static" / "js" / "timefmt.js"

INSTANTS = [
    "2026-11-01T05:30:00Z",  # 1:30 am EDT in New York: the first of two
    "2026-11-01T06:30:00Z",  # 1:30 am EST: the second
    "2026-03-08T06:59:00Z",  # 1:59 am, just before New York skips to 3:00
    "2026-03-08T07:00:00Z",  # 3:00 am
    "2026-12-01T18:30:00Z",  # midnight in Kolkata
    "2026-12-01T06:30:00Z",  # noon in Kolkata
    "2026-02-28T23:45:00Z",  # a day and month boundary in most zones
]
ZONES = ["America/New_York", "Asia/Kolkata", "Asia/Calcutta", "Europe/London", "Australia/Lord_Howe",
         "America/Argentina/Buenos_Aires", "UTC"]


@pytest.mark.parametrize("locale", ["en-US", "en-IN", "de-DE", "ar-EG", "hi-IN-u-nu-deva"])
def test_timefmt_js_writes_exactly_what_python_writes(browser, locale):
    context = browser.new_context(locale=locale, timezone_id="Asia/Kolkata")
    page = context.new_page()
    page.set_content(f"<!doctype html><html><body>{time_zone_aliases()}</body></html>")
    page.add_script_tag(path=str(TIMEFMT_JS))
    shown = page.evaluate("""([instants, zones]) => {
        const T = window.SereneTime, out = [];
        for (const instant of instants) for (const zone of zones) {
          out.push([T.formatTime(instant, zone), T.formatDate(instant, zone), T.formatShortDate(instant, zone),
                    T.formatWhen(instant, zone), T.formatTimeRange(instant, instants[0], zone), T.zoneLabel(zone)]);
        }
        return {rows: out, day: T.formatDay("2026-12-01"), browser: T.browserZone("UTC"),
                month: T.formatMonth("2026-12")};
    }""", [INSTANTS, ZONES])
    expected = []
    for text in INSTANTS:
        instant = datetime.fromisoformat(text.replace("Z", "+00:00"))
        first = datetime.fromisoformat(INSTANTS[0].replace("Z", "+00:00"))
        for zone in ZONES:
            expected.append([format_time(instant, zone), format_date(instant, zone), format_short_date(instant, zone),
                             format_when(instant, zone), format_time_range(instant, first, zone), zone_label(zone)])
    assert shown["rows"] == expected
    assert shown["day"] == format_day(date(2026, 12, 1)) == "Tuesday 1 December 2026"
    assert shown["month"] == "December 2026"
    assert shown["browser"] == "Asia/Kolkata"  # Chromium itself says "Asia/Calcutta"
    context.close()


def sign_in(page, base, email):
    page.goto(f"{base}/accounts/login/?next=/accounts/profile/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Your profile")).to_be_visible()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_browser_reporting_calcutta_is_on_the_saved_kolkata(request, live_server, screenshot, device):
    """The fixtures' browsers are set to Asia/Kolkata, which Chromium reports as "Asia/Calcutta"."""
    page = request.getfixturevalue(device).new_page()
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Calcutta"
    user = UserFactory(email=f"kolkata-{device}@example.test")
    User.objects.filter(pk=user.pk).update(time_zone="Asia/Calcutta")  # a row saved before names were kept current
    sign_in(page, live_server.url, user.email)
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    expect(page.locator("#tz-suggestion")).to_be_hidden()  # nothing to offer: it is the same zone
    screenshot(page, f"profile-time-zone-{device}")


@pytest.mark.django_db(transaction=True)
def test_the_browsers_legacy_zone_is_offered_and_saved_under_its_current_name(live_server, desktop):
    user = UserFactory(email="london@example.test", time_zone="Europe/London")
    page = desktop.new_page()
    sign_in(page, live_server.url, user.email)
    expect(page.locator("#tz-detected")).to_have_text("Asia/Kolkata")
    page.get_by_role("button", name="Use this time zone").click()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Your profile is saved.")).to_be_visible()
    expect(page.get_by_label("Time zone")).to_have_value("Asia/Kolkata")
    user.refresh_from_db()
    assert user.time_zone == "Asia/Kolkata"


@pytest.mark.django_db(transaction=True)
def test_local_times_rewrites_a_next_slot_as_the_server_writes_it(live_server, browser):
    """A visitor in New York sees the next free time on their own clock, in the same words."""
    from tests.factories import ExpertFactory

    ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", minimum_notice_hours=0)
    context = browser.new_context(timezone_id="America/New_York", locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/experts/sarah/")
    slot = page.locator(".next-slot-box time")
    instant = datetime.fromisoformat(slot.get_attribute("datetime"))
    expected = f"{format_short_date(instant, 'America/New_York')}, {format_time(instant, 'America/New_York')} (New York time)"
    expect(slot).to_have_text(expected)
    context.close()
