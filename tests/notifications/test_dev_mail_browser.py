"""A developer reads the emails Serene sent at /dev/mail/ in Chromium: list, HTML in its frame, invite."""
import pytest
from playwright.sync_api import expect


pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_a_developer_opens_a_message_and_reads_its_html_and_invite(request, live_server, settings, mailbox,
                                                                   send_confirmation, screenshot, device):
    settings.DEBUG = True
    send_confirmation(subject="Reset your Serene password", to="meera@example.test")
    send_confirmation(to="asha.verma.with.a.rather.long.address@example.test", site_url=live_server.url)
    page = request.getfixturevalue(device).new_page()

    page.goto(live_server.url + "/dev/mail/")
    expect(page.get_by_role("heading", name="Dev mail")).to_be_visible()
    items = page.locator(".mail-item")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("Your session with Dr. Sarah Khan is confirmed!")
    expect(items.first).to_contain_text("1 attachment")
    screenshot(page, f"dev-mail-list-{device}")

    page.get_by_role("link", name="Your session with Dr. Sarah Khan is confirmed!").click()
    expect(page.get_by_role("heading", name="Your session with Dr. Sarah Khan is confirmed!", level=1)).to_be_visible()
    frame = page.frame_locator("iframe.mail-frame")
    expect(frame.get_by_role("heading", name="Your session with Dr. Sarah Khan is confirmed!")).to_be_visible()
    # A link in the sandboxed email opens in a tab of its own (a new tab can take over 10 s to appear
    # while both suites run their browsers side by side).
    with page.expect_popup(timeout=30_000) as popup:
        frame.get_by_role("link", name="Open your dashboard").click()
    popup.value.wait_for_load_state()
    assert popup.value.url.startswith(live_server.url + "/")
    popup.value.close()
    expect(page.locator(".mail-text")).to_contain_text("Tue 1 Dec, 10:00 (Asia/Kolkata).")
    screenshot(page, f"dev-mail-message-{device}")

    with page.expect_download() as download:
        page.get_by_role("link", name="invite.ics").click()
    assert download.value.suggested_filename == "invite.ics"
    assert b"BEGIN:VCALENDAR" in open(download.value.path(), "rb").read()
