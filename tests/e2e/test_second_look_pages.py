"""The pages issue 20 changed, with a practice as it really looks: an expert with a long name in
Kolkata, a client in London, a session today, one the client cancelled (refunded), one the expert could
not take (refund on its way), one whose refund failed three times, one awaiting approval that starts
within a day, and earnings this month from sessions done and to come. Each page at 1280 and 390 px:
axe 0 serious or critical (cancelled cards' colour contrast included), fit, tap sizes, headings."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import get_resolver
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.factories import ExpertFactory, UserFactory

from .page_checks import page_problems
from .signed_in import sign_in_context

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Dr. Anantharamakrishnan Venkatasubramanian-Chattopadhyay"


def _booking(expert, customer, starts, status, *, outcome="", cancelled_by=None, refunds=(), price=300000):
    booking = Booking.objects.create(customer=customer, expert=expert, starts_at=starts,
                                     ends_at=starts + timedelta(hours=1), blocked_until=starts + timedelta(hours=1),
                                     duration_minutes=60, price_minor=price, status=status, money_outcome=outcome,
                                     customer_time_zone="Europe/London", cancelled_by=cancelled_by,
                                     customer_note="I would like to talk about sleep and work.")
    payment = Payment.objects.create(booking=booking, gateway_order_id=f"order_{booking.pk}",
                                     gateway_payment_id=f"pay_{booking.pk}", amount_minor=price, currency="INR",
                                     status=PaymentStatus.REFUNDED if RefundStatus.PROCESSED in refunds
                                     else PaymentStatus.CAPTURED, captured_at=timezone.now() - timedelta(days=9))
    for index, status in enumerate(refunds):
        Refund.objects.create(payment=payment, gateway_refund_id=f"rfnd_{booking.pk}_{index}", amount_minor=price,
                              status=status)
    return booking


@pytest.fixture
def practice(live_server):
    _ = get_resolver().url_patterns
    expert = ExpertFactory(user__name=LONG_NAME, time_zone="Asia/Kolkata", requires_approval=True,
                           headline="Anxiety and sleep", minimum_notice_hours=0)
    client = UserFactory(name="Priyadarshini Ramaswamy-Iyengar", time_zone="Europe/London")
    other = UserFactory(name="Asha Verma")
    now = timezone.now().replace(second=0, microsecond=0)
    local = now.astimezone(ZoneInfo(expert.time_zone))
    today_at = (local + timedelta(hours=1)) if local.hour < 22 else local - timedelta(hours=3)
    rows = {
        "today": _booking(expert, other, today_at, BookingStatus.CONFIRMED),
        "done": _booking(expert, other, datetime.combine(local.date(), time(0, 0), ZoneInfo(expert.time_zone))
                         - timedelta(days=2), BookingStatus.COMPLETED, price=1125000),
        "cancelled": _booking(expert, client, now + timedelta(days=4), BookingStatus.CANCELLED,
                              outcome=MoneyOutcome.REFUNDED_IN_FULL, cancelled_by=client,
                              refunds=(RefundStatus.PROCESSED,)),
        "not_taken": _booking(expert, client, now + timedelta(days=5), BookingStatus.REJECTED,
                              outcome=MoneyOutcome.REFUND_PENDING, refunds=(RefundStatus.CREATED,)),
        "failed": _booking(expert, client, now + timedelta(days=6), BookingStatus.CANCELLED,
                           outcome=MoneyOutcome.REFUND_FAILED, cancelled_by=expert.user,
                           refunds=(RefundStatus.FAILED,) * 3),
        "waiting": _booking(expert, client, now + timedelta(hours=10), BookingStatus.AWAITING_APPROVAL),
        "confirmed": _booking(expert, client, now + timedelta(days=3), BookingStatus.CONFIRMED),
    }
    staff = UserFactory(name="Operations", is_staff=True)
    return {"url": live_server.url, "expert": expert.user.email, "client": client.email, "staff": staff.email,
            **{name: str(row.public_id) for name, row in rows.items()}}


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_the_changed_pages_with_a_real_practice(request, practice, axe, screenshot, device):
    context = request.getfixturevalue(device)
    url, page = practice["url"], context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    problems: list[str] = []

    def check(name: str, path: str, status: int = 200) -> str:
        assert page.goto(url + path).status == status, path
        page.wait_for_load_state("networkidle")
        problems.extend(page_problems(page, axe, name=name, phone=device == "phone"))
        screenshot(page, f"second-look-{name}-{device}")
        return page.locator("main").inner_text()

    sign_in_context(context, url, practice["client"])
    dashboard = check("customer-dashboard", "/dashboard/")
    assert "Cancelled by you" in dashboard and "₹3,000 refunded" in dashboard
    assert "Expert could not take it" in dashboard and "Rejected" not in dashboard
    cancelled = check("cancelled-session", f"/sessions/{practice['cancelled']}/")
    assert "You cancelled this session · ₹3,000 refunded" in cancelled and "could not keep" not in cancelled
    not_taken = check("not-taken-session", f"/sessions/{practice['not_taken']}/")
    assert "could not take your session" in not_taken
    waiting = check("success-awaiting", f"/booking/success?sessionId={practice['waiting']}")
    assert "Booking reference SRN-" in waiting and "Add to calendar" not in waiting
    assert "Until they do, you can cancel with a full refund" in waiting
    confirmed = check("success-confirmed", f"/booking/success?sessionId={practice['confirmed']}")
    assert "Booking reference SRN-" in confirmed and "Add to calendar (.ics)" in confirmed
    # Moving into the last 24 hours: warned before anything moves.
    check("reschedule", f"/sessions/{practice['confirmed']}/reschedule")
    late = (timezone.now() + timedelta(hours=5)).replace(microsecond=0).isoformat()
    page.evaluate("""(late) => { const form = document.querySelector('.reschedule-form');
        form.querySelectorAll('input[name=starts_at]').forEach(input => input.remove());
        const chosen = Object.assign(document.createElement('input'), {type: 'hidden', name: 'starts_at', value: late});
        form.appendChild(chosen); form.submit(); }""", late)
    page.wait_for_load_state("networkidle")
    warning = page.locator("#late-warning")
    assert "cannot be moved again, and cancelling it would not be refunded" in warning.inner_text()
    assert page.get_by_role("button", name="Move anyway").is_visible()
    problems.extend(page_problems(page, axe, name="reschedule-late-warning", phone=device == "phone"))
    screenshot(page, f"second-look-reschedule-late-warning-{device}")
    payments = check("payments", "/dashboard/payments/")
    assert payments.count("Failed") == 1 and "3 attempts" in payments
    check("logout-page", "/accounts/logout/")

    sign_in_context(context, url, practice["expert"])
    desk = check("expert-dashboard", "/expert/dashboard/")
    assert "Earned in" in desk and "Upcoming:" in desk
    today = page.locator("#today-title + .session-list .expert-session").first
    when = today.locator(".expert-session-when").bounding_box()
    who = today.locator(".client-name").bounding_box()
    # The time and the name never run together: apart on the screen, and apart in the text read out.
    assert when["y"] + when["height"] <= who["y"] + 1 or when["x"] + when["width"] <= who["x"] + 1
    assert "am Asha" not in today.inner_text().replace("\n", " ").replace("amAsha", "!")
    assert not any(f"{suffix}Asha Verma" in today.text_content().replace(" ", "") for suffix in ("am", "pm"))
    fee = page.locator(".earnings-split dd").nth(1)
    assert fee.inner_text().startswith("−₹") and fee.evaluate("el => el.getClientRects().length") == 1
    assert fee.evaluate("el => getComputedStyle(el).whiteSpace") == "nowrap"

    sign_in_context(context, url, practice["staff"])
    assert "This address only takes a form" in check("method-not-allowed", "/admin/logout/", status=405)

    assert problems == [], "\n".join(problems)
    assert errors == []
