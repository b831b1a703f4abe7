"""Money is an integer of minor units (paise) plus its currency; formatting happens at the edges."""
from __future__ import annotations

CURRENCY_SYMBOLS = {"INR": "₹", "USD": "$", "EUR": "€", "GBP": "£"}
MINOR_UNITS_PER_MAJOR = 100


def price_for_duration(*, hourly_rate_minor: int, duration_minutes: int) -> int:
    """Hourly rate × minutes / 60 in minor units, rounded half up to a whole minor unit."""
    if hourly_rate_minor < 0 or duration_minutes <= 0:
        raise ValueError("rate must be non-negative and duration positive")
    return (hourly_rate_minor * duration_minutes + 30) // 60


def minor_to_major(amount_minor: int) -> int | float:
    """1500.0 → 1500 for whole amounts, so JSON shows 1500 rather than 1500.0."""
    whole, fraction = divmod(amount_minor, MINOR_UNITS_PER_MAJOR)
    return whole if fraction == 0 else amount_minor / MINOR_UNITS_PER_MAJOR


def _group_indian(digits: str) -> str:
    # 1234567 → 12,34,567: the last three digits, then pairs.
    if len(digits) <= 3:
        return digits
    head, tail = digits[:-3], digits[-3:]
    pairs: list[str] = []
    while len(head) > 2:
        pairs.insert(0, head[-2:])
        head = head[:-2]
    if head:
        pairs.insert(0, head)
    return ",".join(pairs + [tail])


def _group_western(digits: str) -> str:
    return f"{int(digits):,}"


def format_money(amount_minor: int, currency: str = "INR") -> str:
    """₹1,500 for 150000 INR; ₹750.50 when there are paise; Indian digit grouping for INR."""
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), MINOR_UNITS_PER_MAJOR)
    grouped = _group_indian(str(whole)) if currency == "INR" else _group_western(str(whole))
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    text = f"{sign}{symbol}{grouped}"
    if fraction:
        text += f".{fraction:02d}"
    return text


def minor_to_decimal_text(amount_minor: int) -> str:
    """150000 → "1500.00": the plain decimal that schema.org's price and machine readers expect."""
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), MINOR_UNITS_PER_MAJOR)
    return f"{sign}{whole}.{fraction:02d}"
