"""One cancellation policy, said the same way everywhere, for the case that once contradicted itself:
a booking waiting for the expert's approval that starts within CANCELLATION_WINDOW_HOURS. The code
(bookings.moves.cancellation_refund_due) refunds it in full if the customer cancels before the
expert answers, and if the expert declines; only once accepted does the late window apply. The wizard,
the success page, the session page, the cancel page and the email all say policy.approval_policy_text."""
import html
import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from serene.bookings.lifecycle import CUSTOMER
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.moves import cancellation_refund_due
from serene.bookings.policy import approval_policy_text, cancel_preview
from serene.notifications import content
from serene.payments.models import Payment, PaymentStatus
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 5, 12, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def waiting(time_machine):
    time_machine.move_to(NOW, tick=False)
    expert = ExpertFactory(requires_approval=True, user__name="Dr. Meera Rao", minimum_notice_hours=0)
    starts = NOW + timedelta(hours=10)
    booking = Booking.objects.create(customer=UserFactory(name="Asha Verma"), expert=expert, starts_at=starts,
                                     ends_at=starts + timedelta(hours=1), blocked_until=starts + timedelta(hours=1),
                                     duration_minutes=60, price_minor=300000, status=BookingStatus.AWAITING_APPROVAL,
                                     customer_time_zone="Asia/Kolkata")
    Payment.objects.create(booking=booking, gateway_order_id="order_w", gateway_payment_id="pay_w",
                           amount_minor=300000, currency="INR", status=PaymentStatus.CAPTURED)
    return booking


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_a_late_booking_awaiting_approval_is_told_one_policy_everywhere(client, waiting):
    words = approval_policy_text(expert_name="Dr. Meera Rao", starts_within_window=True)
    assert "Until they do, you can cancel with a full refund" in words and "would not be refunded" in words
    # What the code does: a full refund before the expert answers, however close the start.
    assert cancellation_refund_due(booking=waiting, actor=CUSTOMER, now=NOW)
    assert cancel_preview(booking=waiting, paid_minor=300000, now=NOW).refund_minor == 300000

    client.force_login(waiting.customer)
    for path in (f"/booking/success?sessionId={waiting.public_id}", f"/sessions/{waiting.public_id}/",
                 f"/sessions/{waiting.public_id}/cancel"):
        page = _text(client.get(path).content.decode())
        assert words in page, path
        assert "This session starts within 24 hours, so cancelling it now would not be refunded" not in page, path
    assert "You get ₹3,000 back" in _text(client.get(f"/sessions/{waiting.public_id}/cancel").content.decode())

    email = content.approval_pending(waiting, now=NOW)
    assert words in email.paragraphs

    profile = client.get(f"/experts/{waiting.expert.slug}/").content.decode()
    config = json.loads(re.search(r'id="wizard-config" type="application/json">(.*?)</script>', profile).group(1))
    assert config["lateApprovalPolicy"] == words
    assert config["approvalPolicy"] == approval_policy_text(expert_name="Dr. Meera Rao", starts_within_window=False)
