"""Booking policy: how long a slot is held for payment, how many holds one customer may have, and
the cancellation, rescheduling and approval rules."""
from __future__ import annotations

from serene.settings.env import env

HOLD_MINUTES = env.int("HOLD_MINUTES", 10)  # how long a pending booking holds its slot for payment
MAX_HOLDS_PER_CUSTOMER = env.int("MAX_HOLDS_PER_CUSTOMER", 2)  # slots one customer may hold unpaid at once
CANCELLATION_WINDOW_HOURS = env.int("CANCELLATION_WINDOW_HOURS", 24)  # a customer's cancel refunds in full until then
MAX_RESCHEDULES = env.int("MAX_RESCHEDULES", 2)  # times one booking may be moved
# How many days ahead the customer's reschedule page lists free times.
RESCHEDULE_DAYS_SHOWN = env.int("RESCHEDULE_DAYS_SHOWN", 14)
# A booking still awaiting the expert's approval this many hours before its start is declined by
# the system and refunded in full (the approvals_expire job in tasks.py).
APPROVAL_DEADLINE_HOURS = env.int("APPROVAL_DEADLINE_HOURS", 2)
