"""PDF receipts for paid bookings (fpdf2, pure Python): who issued it (business, address, tax
number), what was bought, the tax contained in the tax-inclusive price, and how it was paid."""
from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from fpdf import FPDF

from serene.core import timefmt
from serene.core.money import format_money

from .models import Booking
from .policy import cancellation_policy_text

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def receipt_number(booking: Booking) -> str:
    return "SRN-" + booking.public_id.hex[:10].upper()


def _money(amount_minor: int, currency: str) -> str:
    # The core fonts have no rupee sign; a Unicode font is used when the machine has one.
    return format_money(amount_minor, currency)


# Razorpay's payment methods, as a receipt names them.
PAYMENT_METHODS = {"card": "Card", "upi": "UPI", "netbanking": "Net banking", "wallet": "Wallet", "emi": "EMI",
                   "paylater": "Pay later", "bank_transfer": "Bank transfer", "cardless_emi": "Cardless EMI"}


def payment_method_label(method: str) -> str:
    return PAYMENT_METHODS.get(method, method.replace("_", " ").capitalize() if method else "Online payment")


def tax_included_minor(amount_minor: int, rate_percent: Decimal) -> int:
    """The tax inside a tax-inclusive amount, rounded half up to a whole paisa: amount × r / (100 + r)."""
    rate = Decimal(rate_percent)
    if rate <= 0:
        return 0
    return int((Decimal(amount_minor) * rate / (100 + rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _percent(rate: Decimal) -> str:
    return f"{Decimal(rate).normalize():f}%"


def business_lines() -> list[str]:
    """The issuer as the receipt's head names it."""
    lines = [settings.BUSINESS_NAME]
    if settings.BUSINESS_ADDRESS:
        lines.append(settings.BUSINESS_ADDRESS)
    if settings.BUSINESS_TAX_ID:
        lines.append(f"Tax number: {settings.BUSINESS_TAX_ID}")
    return lines


def receipt_rows(*, booking: Booking, payment_id: str, refunded_minor: int = 0, payment_method: str = "",
                 money: Callable[[int, str], str] = format_money) -> list[tuple[str, str]]:
    """The receipt's lines, label and value, with times as pages and emails write them."""
    customer_zone = booking.customer_time_zone or booking.expert.time_zone
    expert_zone = booking.expert.time_zone
    when = (f"{timefmt.format_time_range(booking.starts_at, booking.ends_at, customer_zone)} "
            f"({timefmt.zone_label(customer_zone)})")
    if timefmt.zone_label(expert_zone) != timefmt.zone_label(customer_zone):
        theirs = timefmt.format_short_date(booking.starts_at, expert_zone)
        other_day = f" on {theirs}" if theirs != timefmt.format_short_date(booking.starts_at, customer_zone) else ""
        when += (f"; {timefmt.format_time(booking.starts_at, expert_zone)}{other_day} for the expert "
                 f"({timefmt.zone_label(expert_zone)})")
    rows = [
        ("Receipt number", receipt_number(booking)),
        ("Issued", timefmt.format_date(booking.created_at, customer_zone)),
        ("Customer", f"{booking.customer.name} <{booking.customer.email}>"),
        ("Expert", f"{booking.expert.name}, {booking.expert.headline}"),
        ("Date", timefmt.format_date(booking.starts_at, customer_zone)),
        ("Time", when),
        ("Duration", f"{booking.duration_minutes} minutes"),
        ("Amount paid", money(booking.price_minor, booking.currency)),
        (f"Tax included ({_percent(settings.TAX_RATE_PERCENT)})",
         money(tax_included_minor(booking.price_minor, settings.TAX_RATE_PERCENT), booking.currency)),
        ("Price before tax", money(booking.price_minor - tax_included_minor(booking.price_minor, settings.TAX_RATE_PERCENT),
                                   booking.currency)),
        ("Paid by", payment_method_label(payment_method)),
        ("Payment id", payment_id),
        ("Session id", str(booking.public_id)),
    ]
    if refunded_minor:
        rows.append(("Refunded", money(refunded_minor, booking.currency)))
    return rows


def booking_receipt_pdf(*, booking: Booking, payment_id: str, refunded_minor: int = 0,
                        payment_method: str = "") -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Serene receipt {receipt_number(booking)}")
    pdf.set_author("Serene")
    pdf.add_page()
    money: Callable[[int, str], str]  # amount in minor units, currency
    try:
        pdf.add_font("Body", "", FONT)
        pdf.add_font("Body", "B", BOLD_FONT)
        family = "Body"
        money = _money
    except (FileNotFoundError, OSError, RuntimeError):
        family = "Helvetica"
        money = lambda amount, currency: format_money(amount, currency).replace("₹", "INR ")  # noqa: E731
    pdf.set_font(family, "B", 22)
    pdf.set_text_color(47, 111, 98)
    pdf.cell(0, 12, "Serene", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(31, 42, 46)
    pdf.set_font(family, "", 12)
    pdf.cell(0, 8, "Payment receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 9)
    pdf.set_text_color(91, 107, 112)
    for line in business_lines():
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(31, 42, 46)
    pdf.ln(4)
    rows = receipt_rows(booking=booking, payment_id=payment_id, refunded_minor=refunded_minor,
                        payment_method=payment_method, money=money)
    for label, value in rows:
        pdf.set_font(family, "B", 11)
        pdf.cell(45, 9, label)
        pdf.set_font(family, "", 11)
        pdf.multi_cell(0, 9, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, "", 9)
    pdf.set_text_color(91, 107, 112)
    pdf.multi_cell(0, 5, "Thank you for booking with Serene. Keep this receipt for your records. "
                         + cancellation_policy_text())
    return bytes(pdf.output())
