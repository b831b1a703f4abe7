"""What one side sees of the other's camera and microphone: when the customer turns the camera off,
the expert's page shows her initials and name in place of the picture, and a muted mark when she
mutes; a visually hidden live region says each change in words. A page that arrives later hears
the state as it is. The call's status lines are whole sentences that name the person once."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from .conftest import make_booking
from .live import database_url_for_server, uvicorn_server
from .test_call_browser import connect_both, join, open_room, people, status, wait_for_frames  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"device_scale_factor": 2, "is_mobile": True, "has_touch": True}


def news(page):
    return page.locator("#peer-news")


def test_camera_off_shows_the_name_and_mute_shows_a_mark_on_the_other_side(tmp_path, people, customer, expert,
                                                                           screenshot, axe):
    booking = make_booking(customer=customer, expert=expert)
    with uvicorn_server(tmp_path, database_url_for_server(tmp_path)) as base:
        customer_page = open_room(people(), base, customer, booking)
        expert_page = open_room(people(), base, expert.user, booking)
        connect_both(customer_page, expert_page)
        camera_off, muted = expert_page.locator("#remote-off"), expert_page.locator("#remote-muted")
        expect(camera_off).to_be_hidden()
        expect(muted).to_be_hidden()
        expect(news(expert_page)).to_have_attribute("aria-live", "polite")

        customer_page.get_by_role("button", name="Camera off").click()
        expect(camera_off).to_be_visible()
        expect(camera_off).to_contain_text("Asha Verma")
        expect(camera_off.locator(".remote-initials")).to_have_text("AV")
        expect(news(expert_page)).to_have_text("Asha Verma turned their camera off.")
        expect(muted).to_be_hidden()
        customer_page.get_by_role("button", name="Mute").click()
        expect(muted).to_be_visible()
        expect(muted).to_have_text("Asha Verma is muted")
        expect(news(expert_page)).to_have_text("Asha Verma muted their microphone.")
        expect(customer_page.locator("#remote-off")).to_be_hidden()  # her own page shows the expert as ever
        screenshot(expert_page, "video-room-peer-camera-off-muted-desktop")
        assert not axe(expert_page)

        customer_page.get_by_role("button", name="Camera on").click()
        expect(camera_off).to_be_hidden()
        expect(news(expert_page)).to_have_text("Asha Verma turned their camera on.")
        expect(muted).to_be_visible()
        screenshot(expert_page, "video-room-peer-muted-desktop")

        # The expert opens the room on a phone: it hears at once that she is muted.
        phone_page = open_room(people(390, 844, **PHONE), base, expert.user, booking)
        join(phone_page)
        expect(status(phone_page)).to_have_text("Connected", timeout=60_000)
        wait_for_frames(phone_page)
        expect(phone_page.locator("#remote-muted")).to_be_visible()
        expect(phone_page.locator("#remote-off")).to_be_hidden()
        expect(news(phone_page)).to_have_text("Asha Verma's microphone is muted.")
        screenshot(phone_page, "video-room-peer-muted-phone")
        customer_page.get_by_role("button", name="Camera off").click()
        expect(phone_page.locator("#remote-off")).to_be_visible()
        expect(news(phone_page)).to_have_text("Asha Verma turned their camera off.")
        assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(phone_page, "video-room-peer-camera-off-muted-phone")
        assert not axe(phone_page)
        customer_page.get_by_role("button", name="Unmute").click()
        expect(phone_page.locator("#remote-muted")).to_be_hidden()
        expect(news(phone_page)).to_have_text("Asha Verma unmuted their microphone.")

        # Hanging up: one sentence names her once, the next does not repeat the name.
        customer_page.get_by_role("button", name="Hang up").click()
        expect(status(phone_page)).to_have_text("Asha Verma left the call. Waiting for them to join again.",
                                                timeout=30_000)
        expect(phone_page.locator("#remote-off")).to_be_hidden()
        expect(phone_page.locator("#remote-muted")).to_be_hidden()
        assert re.fullmatch(r"You left the call\.", status(customer_page).text_content())
