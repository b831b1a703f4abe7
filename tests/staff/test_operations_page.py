"""The staff operations page lists what is in flight or stuck: holds, captured money without an end,
flagged payments, failed refunds, failed emails, unhandled webhooks and failed tasks."""
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.notifications.models import Message, MessageStatus
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent
from serene.payments.reconciliation import payments_without_an_end
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


def booking(status, *, outcome=MoneyOutcome.NONE, hold=None, email=None):
    starts = timezone.now() + timedelta(days=2)
    return Booking.objects.create(customer=UserFactory(email=email) if email else UserFactory(),
                                  expert=ExpertFactory(), starts_at=starts,
                                  ends_at=starts + timedelta(hours=1), blocked_until=starts + timedelta(hours=1),
                                  duration_minutes=60, price_minor=150000, status=status, money_outcome=outcome,
                                  hold_expires_at=hold)


def payment(for_booking, *, status=PaymentStatus.CAPTURED, order="order_1", pay="pay_1", **fields):
    return Payment.objects.create(booking=for_booking, gateway_order_id=order, gateway_payment_id=pay,
                                  amount_minor=150000, currency="INR", status=status, **fields)


def test_captured_money_without_an_end_is_found_and_ended_money_is_not():
    kept = payment(booking(BookingStatus.CONFIRMED), order="order_kept", pay="pay_kept")
    late_cancel = payment(booking(BookingStatus.CANCELLED, outcome=MoneyOutcome.NOT_REFUNDED),
                          order="order_late", pay="pay_late")
    owed = payment(booking(BookingStatus.CANCELLED, outcome=MoneyOutcome.REFUND_PENDING), order="order_owed",
                   pay="pay_owed", refund_reason="The session was cancelled.")
    refunded = payment(booking(BookingStatus.REJECTED, outcome=MoneyOutcome.REFUNDED_IN_FULL),
                       status=PaymentStatus.REFUNDED, order="order_done", pay="pay_done", refund_reason="Declined.")
    lost = payment(booking(BookingStatus.CANCELLED), order="order_lost", pay="pay_lost")
    stray = payment(kept.booking, order="order_kept", pay="pay_stray", stray_of=kept)
    assert {p.pk for p in payments_without_an_end()} == {lost.pk, stray.pk}
    assert {kept.pk, late_cancel.pk, owed.pk, refunded.pk}.isdisjoint(p.pk for p in payments_without_an_end())


def test_every_section_shows_its_rows_with_links_to_the_admin(client):
    now = timezone.now()
    hold = booking(BookingStatus.PENDING, hold=now + timedelta(minutes=7), email="holding@example.test")
    booking(BookingStatus.PENDING, hold=now - timedelta(minutes=1))  # lapsed: not in flight
    lost = payment(booking(BookingStatus.CANCELLED), order="order_lost", pay="pay_lost")
    flagged = payment(booking(BookingStatus.CANCELLED, outcome=MoneyOutcome.REFUND_FAILED), order="order_flag",
                      pay="pay_flag", refund_reason="Declined.", needs_attention=True,
                      attention_reason="The payment provider failed 3 refunds of this payment.")
    Refund.objects.create(payment=flagged, receipt="serene-refund-9-1", amount_minor=150000, reason="Declined.",
                          status=RefundStatus.FAILED, failure_reason="The bank turned it down.")
    Message.objects.create(key="confirmed:1:customer", kind="confirmed", to_email="asha@example.test",
                           subject="Your session is confirmed!", body_text="…", message_id="<1@serene.test>",
                           status=MessageStatus.FAILED, attempts=9, next_attempt_at=now, retry_until=now,
                           rendered_at=now, last_error="SMTP 550 mailbox unavailable")
    Message.objects.create(key="new:1:expert", kind="booking_new", to_email="sarah@example.test", subject="",
                           body_text="", message_id="<2@serene.test>", status=MessageStatus.RENDER_FAILED,
                           render_failures=2, next_attempt_at=now, retry_until=now,
                           last_error="TemplateSyntaxError: Invalid block tag")
    Message.objects.create(key="sent:1:customer", kind="booking_confirmed", to_email="sent@example.test",
                           subject="Sent fine", body_text="…", message_id="<3@serene.test>", status=MessageStatus.SENT,
                           next_attempt_at=now, retry_until=now, rendered_at=now)
    WebhookEvent.objects.create(gateway_event_id="evt_stuck", event_type="payment.captured", body="{}",
                                error="Lock timeout")
    WebhookEvent.objects.create(gateway_event_id="evt_done", event_type="payment.captured", body="{}", handled_at=now)
    task = DBTaskResult.objects.create(status="FAILED", args_kwargs={"args": [], "kwargs": {}}, priority=0,
                                       task_path="serene.payments.tasks.payments_sweep", queue_name="default",
                                       backend_name="default", run_after=now, finished_at=now,
                                       exception_class_path="serene.payments.gateway.GatewayUnavailable",
                                       traceback="Traceback …")
    client.force_login(UserFactory(is_staff=True))
    page = client.get("/staff/operations/").content.decode()
    for expected in ["holding@example.test", f"/admin/bookings/booking/{hold.pk}/change/",
                     f"/admin/payments/payment/{lost.pk}/change/", "pay_lost",
                     "The payment provider failed 3 refunds", "serene-refund-9-1", "The bank turned it down.",
                     "Your session is confirmed!", "SMTP 550 mailbox unavailable",
                     "booking_new", "not written", "sarah@example.test", "TemplateSyntaxError: Invalid block tag",
                     "evt_stuck", "Lock timeout", f"/admin/django_tasks_database/dbtaskresult/{task.pk}/change/",
                     "GatewayUnavailable"]:
        assert expected in page, expected
    assert "evt_done" not in page and "sent@example.test" not in page
    assert page.count("not written") == 1  # the message that failed to send was written
    assert "need a look" in page


def test_a_calm_day_says_nothing_is_stuck(client):
    client.force_login(UserFactory(is_staff=True))
    page = client.get("/staff/operations/").content.decode()
    assert "Nothing is stuck" in page and page.count("None.") == 8


def test_the_money_sections_read_the_last_ninety_days_and_every_open_refund(client, time_machine):
    """Years of payments cost the page nothing: its money sections read payments changed in the
    window, while a refund still open is shown however old its payment."""
    from serene.payments.reconciliation import payments_owing_refunds
    old = timezone.now() - timedelta(days=200)
    time_machine.move_to(old, tick=False)
    old_lost = payment(booking(BookingStatus.CANCELLED), order="order_old_lost", pay="pay_old_lost")
    old_owed = payment(booking(BookingStatus.CANCELLED, outcome=MoneyOutcome.REFUND_PENDING), order="order_old_owed",
                       pay="pay_old_owed", refund_reason="Cancelled.")
    old_open = payment(booking(BookingStatus.CANCELLED, outcome=MoneyOutcome.REFUND_PENDING), order="order_old_open",
                       pay="pay_old_open", refund_reason="Cancelled.")
    time_machine.move_to(old + timedelta(days=200), tick=False)
    Refund.objects.create(payment=old_open, receipt="serene-refund-old-1", amount_minor=150000, reason="Cancelled.",
                          status=RefundStatus.CREATED)
    new_lost = payment(booking(BookingStatus.CANCELLED), order="order_new_lost", pay="pay_new_lost")
    since = timezone.now() - timedelta(days=90)
    assert {p.pk for p in payments_without_an_end(changed_since=since)} == {new_lost.pk}
    assert {p.pk for p in payments_without_an_end()} == {new_lost.pk, old_lost.pk}  # the audit over all time
    assert {p.pk for p in payments_owing_refunds(changed_since=since)} == {old_open.pk}
    assert {p.pk for p in payments_owing_refunds()} == {old_open.pk, old_owed.pk}
    staff = UserFactory(is_staff=True)
    client.force_login(staff)
    page = client.get("/staff/operations/").content.decode()
    assert "pay_new_lost" in page and "pay_old_lost" not in page and "last 90 days" in page
