"""Every page outside the booking wizard, on the demo data, as its users see it in Chromium at 1280 and
390 px: axe-core finds no serious or critical violation; at 390 px no tap target is under 44 × 44 px;
nothing overflows sideways or is cut off. Each page is visited as the person who would use it."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.urls import get_resolver
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from serene.accounts.models import User
from serene.bookings.models import BookingStatus
from serene.experts.management.commands.seed_demo import DEMO_CUSTOMER, DEMO_EXPERT, DEMO_STAFF
from serene.experts.models import Expert
from tests.bookings.helpers import at, booked_paid, next_weekday

from .page_checks import page_problems
from .signed_in import sign_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]



@pytest.fixture
def demo(live_server, settings, tmp_path):
    """The demo data, with sessions booked with Dr. Sarah Khan (one awaiting her answer) and their emails."""
    settings.EMAIL_BACKEND = "serene.notifications.mailbox.MailboxBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    call_command("seed_demo", verbosity=0)
    _ = get_resolver().url_patterns  # import the URLconf (and the API) now, not inside the browser's first page load
    sarah = Expert.objects.get(user__email=DEMO_EXPERT)
    Expert.objects.filter(pk=sarah.pk).update(minimum_notice_hours=0)
    sarah.refresh_from_db()
    customer = User.objects.get(email=DEMO_CUSTOMER)
    day = next_weekday()
    confirmed = booked_paid(sarah, customer, at(day, 10))
    Expert.objects.filter(pk=sarah.pk).update(requires_approval=True)
    sarah.refresh_from_db()
    awaiting = booked_paid(sarah, customer, at(day + timedelta(days=1), 11))
    Expert.objects.filter(pk=sarah.pk).update(requires_approval=False)
    assert awaiting.status == BookingStatus.AWAITING_APPROVAL and confirmed.status == BookingStatus.CONFIRMED
    return {"url": live_server.url, "confirmed": confirmed, "awaiting": awaiting, "customer": customer}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_every_page_outside_the_wizard_passes_axe_taps_and_fits(request, demo, axe, settings, screenshot, device):
    context = request.getfixturevalue(device)
    is_phone = device == "phone"
    url = demo["url"]
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []

    def check(name: str, path: str | None = None, *, status: int = 200) -> None:
        if path is not None:
            response = page.goto(url + path)
            assert response.status == status, (name, path, response.status)
        page.wait_for_load_state("networkidle")
        problems.extend(page_problems(page, axe, name=name, phone=is_phone))
        screenshot(page, f"pages-{name}-{device}")

    # A visitor.
    check("browse", "/")
    if is_phone:
        page.get_by_role("button", name="Filters").click()
        check("browse-filters-open")
    check("browse-filtered", "/?category=therapy&language=hi&sort=recommended&min_price=1000&max_price=3000")
    check("browse-price-error", "/?min_price=3000&max_price=1000", status=400)
    check("profile", "/experts/sarah-khan/")
    expect(page.get_by_text("Verified by Serene")).to_be_visible()
    if is_phone:  # the Book button is on the first screen, and stays there
        book = page.get_by_role("button", name="Book a session").bounding_box()
        assert book["y"] + book["height"] <= 844, book
    check("login", "/accounts/login/")
    check("signup", "/accounts/signup/")
    check("password-reset", "/accounts/password/reset/")
    check("password-reset-sent", "/accounts/password/reset/sent/")
    customer = demo["customer"]
    uid, token = urlsafe_base64_encode(force_bytes(customer.pk)), default_token_generator.make_token(customer)
    page.goto(f"{url}/accounts/password/reset/{uid}/{token}/")
    expect(page.get_by_role("button", name="Save new password")).to_be_visible()
    check("password-reset-confirm")
    check("password-reset-done", "/accounts/password/reset/done/")
    check("not-found", "/no-such-page/", status=404)
    check("expert-not-found", "/experts/nobody-here/", status=404)

    # The customer.
    sign_in_context(context, url, DEMO_CUSTOMER)
    check("account-profile", "/accounts/profile/")
    check("customer-notifications", "/notifications/")

    # The expert.
    sign_in_context(context, url, DEMO_EXPERT)
    check("availability-editor", "/expert/availability/")
    check("expert-dashboard", "/expert/dashboard/")
    check("expert-accept", f"/expert/sessions/{demo['awaiting'].public_id}/accept")
    check("expert-reject", f"/expert/sessions/{demo['awaiting'].public_id}/reject")
    check("expert-cancel", f"/expert/sessions/{demo['confirmed'].public_id}/cancel")
    check("expert-notifications", "/notifications/")

    # Staff.
    sign_in_context(context, url, DEMO_STAFF)
    check("staff-operations", "/staff/operations/")

    # A developer (debug only).
    settings.DEBUG = True
    check("dev-mail-list", "/dev/mail/")
    page.locator(".mail-subject").first.click()
    expect(page.locator(".mail-frame")).to_be_visible()
    check("dev-mail-detail")

    assert problems == [], "\n".join(problems)
    assert errors == []
