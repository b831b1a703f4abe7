"""Template filters that format at the edges: money and local times."""
from django import template

from serene.core.money import format_money

register = template.Library()


@register.filter
def money(amount_minor, currency="INR"):
    if amount_minor is None or amount_minor == "":
        return ""
    return format_money(int(amount_minor), currency)


@register.filter
def in_zone(instant, zone_name):
    """The wall-clock time of an instant in the named IANA zone (the viewer's, or the expert's).

    Returned without tzinfo on purpose: Django's date filter converts aware datetimes back to
    the current time zone, which would undo this.
    """
    from zoneinfo import ZoneInfo

    if not instant or not zone_name:
        return instant
    return instant.astimezone(ZoneInfo(zone_name)).replace(tzinfo=None)
