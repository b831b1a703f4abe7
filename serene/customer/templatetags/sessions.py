"""Filters of the customer's pages: `{{ booking|customer_actions:user }}` (each with its link and
words) and `{{ booking|join_button }}` (the Join button's state, see bookings/customer.py)."""
from typing import TypedDict

from django import template
from django.urls import reverse

from serene.bookings.customer import called_off_for, customer_actions_for, join_button_for
from serene.payments.selectors import payment_refund_lines

register = template.Library()


class CustomerAction(TypedDict):
    label: str
    url_name: str
    danger: bool
    anchor: str


# Each action links to the page that holds its form: the review is posted from the session page's
# #review section (customer:review itself takes only the POST).
ACTIONS: dict[str, CustomerAction] = {
    "reschedule": {"label": "Reschedule", "url_name": "customer:reschedule", "danger": False, "anchor": ""},
    "cancel": {"label": "Cancel session", "url_name": "customer:cancel", "danger": True, "anchor": ""},
    "review": {"label": "Rate this session", "url_name": "customer:session", "danger": False, "anchor": "#review"},
}


@register.filter
def customer_actions(booking, user) -> list[dict]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return [{"name": name, "url": reverse(ACTIONS[name]["url_name"], args=[booking.public_id]) + ACTIONS[name]["anchor"],
             **ACTIONS[name]}
            for name in customer_actions_for(booking=booking, user=user)]


@register.filter
def called_off(booking):
    """Who called the session off and what came back, in the customer's words (None while it is on)."""
    return called_off_for(booking=booking)


@register.filter
def refund_lines(payment):
    """One line per refund, not per attempt (payments.selectors.payment_refund_lines)."""
    return payment_refund_lines(payment=payment)


@register.filter
def join_button(booking):
    return join_button_for(booking=booking)


@register.filter
def stars(rating) -> str:
    """★★★★☆ for 4."""
    try:
        count = int(rating)
    except (TypeError, ValueError):
        return ""
    return "★" * count + "☆" * (5 - count)


@register.filter
def reviewer_name(user) -> str:
    """A reviewer by first name only (never their email)."""
    return user.get_short_name() if getattr(user, "name", "").strip() else "A client"
