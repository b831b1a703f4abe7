"""Template filters that format at the edges: money and local times."""
from django import template

from serene.core.money import format_money

register = template.Library()


@register.filter
def money(amount_minor, currency="INR"):
    if amount_minor is None or amount_minor == "":
        return ""
    return format_money(int(amount_minor), currency)
