"""The receipt names who issued it (business, address, tax number), the tax contained in the
tax-inclusive price, and how the customer paid, read back out of the PDF a customer downloads."""
import io
from decimal import Decimal

import pytest
import requests
from django.conf import settings as django_settings
from hypothesis import given, strategies as st
from pypdf import PdfReader

from serene.bookings.policy import cancellation_policy_text
from serene.bookings.receipts import tax_included_minor
from serene.payments.models import Payment
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory
from tests.payments.helpers import create_order, verify


@pytest.mark.parametrize("price, rate, tax", [
    (150000, Decimal("18"), 22881),   # ₹1,500 incl. 18%: ₹228.81 (22881.36 paise, rounded down)
    (75000, Decimal("18"), 11441),    # 11440.68 → 11441
    (100000, Decimal("5"), 4762),     # 4761.90 → 4762
    (118, Decimal("18"), 18),         # exactly 18
    (150000, Decimal("0"), 0),
    (250000, Decimal("12.5"), 27778),  # 27777.78 → 27778
])
def test_tax_inside_an_inclusive_price_is_rounded_half_up_to_a_paisa(price, rate, tax):
    assert tax_included_minor(price, rate) == tax


@given(st.integers(min_value=0, max_value=10**9), st.decimals(min_value=0, max_value=100, places=2))
def test_tax_is_the_nearest_paisa_to_the_exact_share(price, rate):
    tax = tax_included_minor(price, rate)
    exact = Decimal(price) * rate / (100 + rate) if rate else Decimal(0)
    assert abs(Decimal(tax) - exact) <= Decimal("0.5") and 0 <= tax <= price


def _paid(client, sandbox, method: str) -> str:
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    body = {"key": django_settings.RAZORPAY_KEY_ID, "order_id": order["orderId"], "method": method}
    body.update({"card_number": "4111 1111 1111 1111"} if method == "card" else {"vpa": "success@razorpay"})
    result = requests.post(f"{sandbox.url}/sandbox/razorpay/checkout/pay", timeout=30, json=body).json()
    assert verify(client, result).status_code == 200
    return order["sessionId"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("method, shown", [("card", "Card"), ("upi", "UPI")])
def test_the_downloaded_receipt_names_business_tax_and_payment_method(client, sandbox, settings, method, shown):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False
    settings.BUSINESS_NAME = "Serene Wellbeing Private Limited"
    settings.BUSINESS_ADDRESS = "14 Residency Road, Bengaluru 560025, India"
    settings.BUSINESS_TAX_ID = "29AAACS1234A1Z5"
    settings.TAX_RATE_PERCENT = Decimal("18")
    ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0, user__name="Dr. Sarah Khan")
    client.force_login(UserFactory(name="Asha Verma"))
    session_id = _paid(client, sandbox, method)
    assert Payment.objects.get().method == method

    response = client.get(f"/booking/{session_id}/receipt.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in ("Serene Wellbeing Private Limited", "14 Residency Road, Bengaluru 560025, India",
                     "Tax number: 29AAACS1234A1Z5", "Amount paid ₹1,500", "Tax included (18%) ₹228.81",
                     "Price before tax ₹1,271.19", f"Paid by {shown}",
                     cancellation_policy_text()):
        assert expected in text, (expected, text)
