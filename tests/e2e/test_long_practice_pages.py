"""The paged lists on a practice with a long history, as its people see them in Chromium at 1280
and 390 px: the dashboards cut their lists short and link on, the sessions, payments and reviews
pages walk forward a page at a time, and every page passes axe, tap sizes and fit, with long names,
cancelled, declined and refunded sessions among the rows."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import get_resolver
from django.utils import timezone
from playwright.sync_api import expect

from serene.bookings.models import Booking, BookingStatus
from serene.experts.models import Expert
from serene.payments.models import Payment, PaymentStatus
from tests.bookings.test_bounded_lists import practice
from tests.factories import ExpertFactory, UserFactory

from .page_checks import page_problems
from .signed_in import sign_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Dr. Anantharamakrishnan Venkatasubramanian-Chattopadhyay"


@pytest.fixture
def long_practice(live_server):
    """An expert with years of sessions (a long name, every state, refunds) and one client who booked
    all of them, paid for each and reviewed thirty."""
    _ = get_resolver().url_patterns  # import the URLconf now, not inside the browser's first page load
    expert = ExpertFactory(user__name=LONG_NAME, time_zone="Asia/Kolkata", headline="Anxiety and sleep")
    customer = UserFactory(name="Priyadarshini Ramaswamy-Iyengar Subramaniam")
    now = timezone.now()
    rows = practice(expert, past=90, later=36, now=now, customer=customer)
    Payment.objects.bulk_create([Payment(booking=row, gateway_order_id=f"order_long_{row.pk}",
                                         gateway_payment_id=f"pay_long_{row.pk}", amount_minor=row.price_minor,
                                         currency="INR", status=PaymentStatus.REFUNDED
                                         if row.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED)
                                         else PaymentStatus.CAPTURED, captured_at=row.starts_at - timedelta(days=3))
                                 for row in rows if row.status != BookingStatus.EXPIRED])
    reviewed = [row for row in rows if row.status == BookingStatus.COMPLETED and row.starts_at < now][:30]
    for index, row in enumerate(reviewed):
        Booking.objects.filter(pk=row.pk).update(rating=5 - index % 2, reviewed_at=row.ends_at + timedelta(hours=2),
                                                 review="Kind, clear and practical. " * (1 + index % 4))
    Expert.objects.filter(pk=expert.pk).update(rating_count=len(reviewed), rating_average="4.5")
    return {"url": live_server.url, "slug": expert.slug, "expert": expert.user.email, "customer": customer.email}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_paged_lists_of_a_long_practice(request, long_practice, axe, screenshot, device):
    context = request.getfixturevalue(device)
    url, page = long_practice["url"], context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []

    def check(name: str, path: str | None = None) -> None:
        if path is not None:
            assert page.goto(url + path).status == 200, path
        page.wait_for_load_state("networkidle")
        problems.extend(page_problems(page, axe, name=name, phone=device == "phone"))
        screenshot(page, f"long-{name}-{device}")

    def next_page(name: str) -> None:
        page.get_by_role("link", name="More").click()
        expect(page.get_by_role("link", name="Back to the first page")).to_be_visible()
        check(name)

    sign_in_context(context, url, long_practice["expert"])
    check("expert-dashboard", "/expert/dashboard/")
    page.get_by_role("link", name="See all past sessions").click()
    check("expert-past")
    first = page.locator(".expert-session").first.inner_text()
    next_page("expert-past-2")
    assert page.locator(".expert-session").first.inner_text() != first
    check("expert-later", "/expert/sessions/?when=later")

    sign_in_context(context, url, long_practice["customer"])
    check("customer-dashboard", "/dashboard/")
    page.get_by_role("link", name="See all past sessions").click()
    check("customer-past")
    next_page("customer-past-2")
    check("payments", "/dashboard/payments/")
    next_page("payments-2")
    check("profile", f"/experts/{long_practice['slug']}/")
    page.get_by_role("link", name="See all").click()
    check("reviews")
    next_page("reviews-2")

    assert problems == [], "\n".join(problems)
    assert errors == []
