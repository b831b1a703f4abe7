"""Staff see the money in the admin but cannot edit it: a payment's status and amounts, and its
refunds, change only through the services, which record every change (refund moves, the call log)."""
import pytest

from serene.bookings.models import Booking
from serene.payments.cancellations import booking_cancel_with_refund
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus, WebhookEvent
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

from .helpers import create_order, pay, verify

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def paid(client, sandbox, settings):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == "confirmed"
    return Payment.objects.get(gateway_order_id=order["orderId"])


def _as_submitted(page) -> dict:
    """The change form's current values, as the browser would post them back (inlines included)."""
    def values(form):
        data = {}
        for name, _field in form.fields.items():
            value = form[name].value()
            if isinstance(value, bool):
                if value:
                    data[form.add_prefix(name)] = "on"
            elif value is not None:
                data[form.add_prefix(name)] = value
        return data

    data = values(page.context["adminform"].form)
    for inline in page.context["inline_admin_formsets"]:
        data.update(values(inline.formset.management_form))
        for form in inline.formset.forms:
            data.update(values(form))
    return data


def test_a_posted_change_to_a_payment_changes_nothing(admin_client, paid):
    url = f"/admin/payments/payment/{paid.pk}/change/"
    page = admin_client.get(url)
    assert page.status_code == 200 and paid.gateway_order_id in page.content.decode()
    data = _as_submitted(page)
    data.update({"status": PaymentStatus.REFUNDED, "amount_minor": "1", "refund_reason": "Edited by hand.",
                 "needs_attention": "on", "attention_reason": "Edited by hand."})
    answer = admin_client.post(url, data)
    assert answer.status_code == 403
    after = Payment.objects.get(pk=paid.pk)
    assert (after.status, after.amount_minor, after.refund_reason, after.needs_attention) == (
        PaymentStatus.CAPTURED, 150000, "", False)
    assert admin_client.post("/admin/payments/payment/add/", data).status_code == 403
    assert admin_client.post(f"/admin/payments/payment/{paid.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Payment.objects.filter(pk=paid.pk).exists()


def test_the_needs_attention_filter_still_lists_flagged_payments(admin_client, paid):
    Payment.objects.filter(pk=paid.pk).update(needs_attention=True, attention_reason="Refund it by hand.")
    flagged = admin_client.get("/admin/payments/payment/?needs_attention__exact=1")
    assert flagged.status_code == 200 and paid.gateway_order_id in flagged.content.decode()
    calm = admin_client.get("/admin/payments/payment/?needs_attention__exact=0")
    assert paid.gateway_order_id not in calm.content.decode()


def test_refunds_and_webhook_events_cannot_be_edited_either(admin_client, paid):
    booking = Booking.objects.get(pk=paid.booking_id)
    booking_cancel_with_refund(booking_id=booking.pk, by=booking.customer)
    refund = Refund.objects.get()
    url = f"/admin/payments/refund/{refund.pk}/change/"
    assert admin_client.get(url).status_code == 200
    answer = admin_client.post(url, {"payment": paid.pk, "amount_minor": "1", "reason": "Edited.",
                                     "status": RefundStatus.FAILED, "events-TOTAL_FORMS": "0",
                                     "events-INITIAL_FORMS": "0"})
    assert answer.status_code == 403
    refund.refresh_from_db()
    assert (refund.status, refund.amount_minor) == (RefundStatus.PROCESSED, 150000)
    event = WebhookEvent.objects.create(gateway_event_id="evt_1", event_type="payment.captured", body="{}")
    answer = admin_client.post(f"/admin/payments/webhookevent/{event.pk}/change/",
                               {"gateway_event_id": "evt_1", "event_type": "payment.captured", "body": "{}",
                                "handled_at_0": "2026-01-01", "handled_at_1": "10:00:00"})
    assert answer.status_code == 403 and WebhookEvent.objects.get().handled_at is None
