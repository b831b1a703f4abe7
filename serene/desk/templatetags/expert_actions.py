"""`{{ booking|expert_actions:user }}`: the actions a page offers this user on a booking now (only
its expert gets any), each with the words its button and confirm dialog use."""
from datetime import timedelta

from django import template
from django.conf import settings
from django.urls import reverse

from serene.bookings.agenda import expert_actions_for

register = template.Library()

# reason: "required", "optional" or "" (no reason asked for).
ACTION_TEXT = {
    "accept": {"label": "Accept", "confirm": "Accept session", "reason": "", "danger": False,
               "title": "Accept this session?",
               "body": "The client is told at once and the session is confirmed in both calendars."},
    "reject": {"label": "Decline", "confirm": "Decline and refund", "reason": "required", "danger": True,
               "title": "Decline this session?",
               "body": "The client is refunded the full amount and sees the reason you give."},
    "cancel": {"label": "Cancel session", "confirm": "Cancel and refund", "reason": "required", "danger": True,
               "title": "Cancel this session?",
               "body": "The client is refunded the full amount, the time is freed, and they see the reason you give."},
    "no_show": {"label": "Mark no-show", "confirm": "Mark as no-show", "reason": "optional", "danger": False,
                "title": "Mark this session as a no-show?",
                "body": "Record that the client did not come. The payment is kept."},
}
URL_NAMES = {"accept": "desk:accept", "reject": "desk:reject", "cancel": "desk:cancel", "no_show": "desk:no_show"}


@register.filter
def expert_actions(booking, user) -> list[dict]:
    if user is None or not getattr(user, "is_authenticated", False) or booking.expert.user_id != user.pk:
        return []
    return [{"name": name, "url": reverse(URL_NAMES[name], args=[booking.public_id]), **ACTION_TEXT[name]}
            for name in expert_actions_for(booking=booking)]


@register.filter
def approval_deadline(booking):
    """When a booking awaiting approval is declined automatically if the expert has not answered."""
    return booking.starts_at - timedelta(hours=settings.APPROVAL_DEADLINE_HOURS)
