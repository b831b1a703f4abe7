"""PDF receipts for paid bookings (fpdf2, pure Python)."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from fpdf import FPDF

from serene.core.money import format_money

from .models import Booking

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def receipt_number(booking: Booking) -> str:
    return "SRN-" + booking.public_id.hex[:10].upper()


def _money(amount_minor: int, currency: str) -> str:
    # The core fonts have no rupee sign; a Unicode font is used when the machine has one.
    return format_money(amount_minor, currency)


def booking_receipt_pdf(*, booking: Booking, payment_id: str, refunded_minor: int = 0) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(f"Serene receipt {receipt_number(booking)}")
    pdf.set_author("Serene")
    pdf.add_page()
    try:
        pdf.add_font("Body", "", FONT)
        pdf.add_font("Body", "B", BOLD_FONT)
        family = "Body"
        money = _money
    except (FileNotFoundError, OSError, RuntimeError):
        family = "Helvetica"
        money = lambda amount, currency: format_money(amount, currency).replace("₹", "INR ")  # noqa: E731
    customer_zone = ZoneInfo(booking.customer_time_zone or booking.expert.time_zone)
    expert_zone = ZoneInfo(booking.expert.time_zone)
    start, end = booking.starts_at.astimezone(customer_zone), booking.ends_at.astimezone(customer_zone)
    expert_start = booking.starts_at.astimezone(expert_zone)

    pdf.set_font(family, "B", 22)
    pdf.set_text_color(47, 111, 98)
    pdf.cell(0, 12, "Serene", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(31, 42, 46)
    pdf.set_font(family, "", 12)
    pdf.cell(0, 8, "Payment receipt", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    rows = [
        ("Receipt number", receipt_number(booking)),
        ("Issued", booking.created_at.astimezone(customer_zone).strftime("%d %b %Y")),
        ("Customer", f"{booking.customer.name} <{booking.customer.email}>"),
        ("Expert", f"{booking.expert.name}, {booking.expert.headline}"),
        ("Date", start.strftime("%A %d %B %Y")),
        ("Time", f"{start:%H:%M}–{end:%H:%M} ({customer_zone.key}); {expert_start:%H:%M} for the expert ({expert_zone.key})"),
        ("Duration", f"{booking.duration_minutes} minutes"),
        ("Amount paid", money(booking.price_minor, booking.currency)),
        ("Payment id", payment_id),
        ("Session id", str(booking.public_id)),
    ]
    if refunded_minor:
        rows.append(("Refunded", money(refunded_minor, booking.currency)))
    for label, value in rows:
        pdf.set_font(family, "B", 11)
        pdf.cell(45, 9, label)
        pdf.set_font(family, "", 11)
        pdf.multi_cell(0, 9, value, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, "", 9)
    pdf.set_text_color(91, 107, 112)
    pdf.multi_cell(0, 5, "Thank you for booking with Serene. Keep this receipt for your records. "
                         "Free cancellation up to 24 hours before the session.")
    return bytes(pdf.output())
