"""`{{ amount_minor|money_compact:currency }}`: a short amount for a chart's labels (₹950, ₹9.6k, ₹1.2L)."""
from django import template

from serene.core.money import CURRENCY_SYMBOLS, format_money

register = template.Library()


@register.filter
def money_compact(amount_minor, currency="INR"):
    major = int(amount_minor) / 100
    symbol = CURRENCY_SYMBOLS.get(currency, currency + " ")
    if major < 1000:
        return format_money(int(amount_minor) // 100 * 100, currency)
    if currency == "INR" and major >= 100000:
        return f"{symbol}{major / 100000:.1f}".rstrip("0").rstrip(".") + "L"
    return f"{symbol}{major / 1000:.1f}".rstrip("0").rstrip(".") + "k"
