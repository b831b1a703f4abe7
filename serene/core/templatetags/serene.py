"""Template filters that format at the edges: money, and dates and times as core.timefmt writes them.

    {{ booking.starts_at|local_time:zone }}       4:30 pm
    {{ booking.starts_at|local_date:zone }}       Tuesday 1 December 2026
    {{ booking.starts_at|local_short_day:zone }}  Tue 1 Dec
    {{ booking.starts_at|local_when:zone }}       Tuesday 1 December 2026, 4:30 pm
    {{ zone|zone_label }}                         Kolkata time
    {{ some_date|day }}, {{ some_date|short_day }}, {{ wall_time|clock }}   for values already local
"""
import json

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html, json_script
from django.utils.safestring import mark_safe

from serene.core import timefmt
from serene.core.money import format_money

register = template.Library()


@register.filter
def money(amount_minor, currency="INR"):
    if amount_minor is None or amount_minor == "":
        return ""
    return format_money(int(amount_minor), currency)


# An empty zone reads as UTC rather than failing the page: every caller passes one, and a time
# labelled in UTC is still true.

@register.filter
def local_time(instant, zone):
    return timefmt.format_time(instant, zone or "UTC") if instant else ""


@register.filter
def local_date(instant, zone):
    return timefmt.format_date(instant, zone or "UTC") if instant else ""


@register.filter
def local_short_day(instant, zone):
    return timefmt.format_short_date(instant, zone or "UTC") if instant else ""


@register.filter
def local_when(instant, zone):
    return timefmt.format_when(instant, zone or "UTC") if instant else ""


@register.filter
def zone_label(zone):
    return timefmt.zone_label(zone) if zone else ""


@register.filter
def day(value):
    return timefmt.format_day(value) if value else ""


@register.filter
def short_day(value):
    return timefmt.format_short_day(value) if value else ""


@register.filter
def clock(value):
    return timefmt.format_clock(value) if value is not None and value != "" else ""


@register.simple_tag
def time_zone_aliases():
    """The legacy-alias table as JSON for static/js/timefmt.js, so the browser reads the same list."""
    return json_script(timefmt.LEGACY_TIME_ZONES, "time-zone-aliases")


_JSON_IN_SCRIPT = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """A schema.org block: <script type="application/ld+json">, escaped as json_script escapes, so a
    name holding </script> cannot end it."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_IN_SCRIPT)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))  # noqa: S308
