"""An expert's earnings: gross, Serene's fee and net, per session and per month (a selector).

The rule, in one place: a session earns when the customer's money is kept for it, which bookings
can tell from their own fields: its status is confirmed, completed or no-show (each is reached only
through a captured payment) and its money outcome is blank (nothing of it was refunded, nor is a
refund under way or failed). Awaiting approval (not yet accepted), cancelled, rejected, expired and
pending bookings earn nothing, and so does a kept booking with any refund at all.

Rounding: the fee is price × PLATFORM_FEE_PERCENT / 100, rounded half up to a whole minor unit, per
session; net is price − fee. A month's figures are the sums of its sessions', so every table adds up.
A session counts in the month of its start on the expert's clock.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from serene.experts.models import Expert

from .models import Booking, BookingStatus, MoneyOutcome

EARNING_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


def platform_fee_minor(*, gross_minor: int, percent: Decimal | None = None) -> int:
    """Serene's fee on one session's price, rounded half up to a whole minor unit."""
    percent = settings.PLATFORM_FEE_PERCENT if percent is None else Decimal(percent)
    return int((Decimal(gross_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class SessionEarning:
    booking: Booking
    gross_minor: int
    fee_minor: int

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.fee_minor


@dataclass(frozen=True)
class MonthEarning:
    month: date  # the first day of the month, on the expert's clock
    sessions: int
    gross_minor: int
    fee_minor: int

    @property
    def net_minor(self) -> int:
        return self.gross_minor - self.fee_minor


@dataclass(frozen=True)
class Earnings:
    currency: str
    fee_percent: Decimal
    months: list[MonthEarning]  # oldest first, the current month last
    sessions: list[SessionEarning]  # the months' latest sessions (a bounded number), newest first

    @property
    def total(self) -> MonthEarning:
        return MonthEarning(month=self.months[0].month, sessions=sum(m.sessions for m in self.months),
                            gross_minor=sum(m.gross_minor for m in self.months),
                            fee_minor=sum(m.fee_minor for m in self.months))

    @property
    def this_month(self) -> MonthEarning:
        return self.months[-1]

    @property
    def peak_net_minor(self) -> int:
        return max((month.net_minor for month in self.months), default=0)


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def earning_bookings(*, expert: Expert):
    """The expert's bookings that earn, by the rule above (a queryset)."""
    return Booking.objects.filter(expert=expert, status__in=EARNING_STATUSES, money_outcome=MoneyOutcome.NONE)


def earnings_for_expert(*, expert: Expert, months: int = 6, now: datetime | None = None,
                        session_limit: int = 10) -> Earnings:
    """The last `months` calendar months on the expert's clock (this one included), month by month,
    and the latest `session_limit` earning sessions of those months.

    The database adds up: one grouped query by (month on the expert's clock, price, currency), so the
    cost follows the number of distinct prices, not of sessions. Each group's fee is its count times
    one session's rounded fee, which is exactly the sum of the sessions' fees (the rule above)."""
    zone = ZoneInfo(expert.time_zone)
    today = (now or timezone.now()).astimezone(zone).date()
    firsts = [_month_start(today, back) for back in range(months - 1, -1, -1)]
    window_start = datetime.combine(firsts[0], time(), tzinfo=zone)
    window_end = datetime.combine(_month_start(today, -1), time(), tzinfo=zone)
    in_window = earning_bookings(expert=expert).filter(starts_at__gte=window_start, starts_at__lt=window_end)
    percent = settings.PLATFORM_FEE_PERCENT
    groups = (in_window.annotate(month=TruncMonth("starts_at", tzinfo=zone))
              .values("month", "price_minor", "currency").annotate(count=Count("pk"), gross=Sum("price_minor"))
              .order_by())
    totals = {first: [0, 0, 0] for first in firsts}
    currencies: set[str] = set()
    for group in groups:
        month = group["month"]
        month = month.astimezone(zone).date() if isinstance(month, datetime) else month
        entry = totals[_month_start(month)]
        entry[0] += group["count"]
        entry[1] += group["gross"]
        entry[2] += group["count"] * platform_fee_minor(gross_minor=group["price_minor"], percent=percent)
        currencies.add(group["currency"])
    latest = in_window.select_related("customer").order_by("-starts_at", "-pk")[:session_limit]
    sessions = [SessionEarning(booking=booking, gross_minor=booking.price_minor,
                               fee_minor=platform_fee_minor(gross_minor=booking.price_minor, percent=percent))
                for booking in latest]
    currency = min(currencies) if currencies else "INR"
    return Earnings(currency=currency, fee_percent=percent, sessions=sessions,
                    months=[MonthEarning(month=first, sessions=count, gross_minor=gross, fee_minor=fee)
                            for first, (count, gross, fee) in totals.items()])


@dataclass(frozen=True)
class MonthSplit:
    """This month's earning sessions, apart: those that have taken place (earned) and those still to
    come (upcoming, counted once they happen and nothing is refunded)."""
    earned: MonthEarning
    upcoming: MonthEarning


def month_split_for_expert(*, expert: Expert, now: datetime | None = None) -> MonthSplit:
    """The current month on the expert's clock, split at `now` by each session's end."""
    now = now or timezone.now()
    zone = ZoneInfo(expert.time_zone)
    first = _month_start(now.astimezone(zone).date())
    start = datetime.combine(first, time(), tzinfo=zone)
    end = datetime.combine(_month_start(first, -1), time(), tzinfo=zone)
    in_month = earning_bookings(expert=expert).filter(starts_at__gte=start, starts_at__lt=end)
    percent = settings.PLATFORM_FEE_PERCENT

    def summed(bookings) -> MonthEarning:
        count = gross = fee = 0
        for group in bookings.values("price_minor").annotate(count=Count("pk")).order_by():
            count += group["count"]
            gross += group["count"] * group["price_minor"]
            fee += group["count"] * platform_fee_minor(gross_minor=group["price_minor"], percent=percent)
        return MonthEarning(month=first, sessions=count, gross_minor=gross, fee_minor=fee)

    return MonthSplit(earned=summed(in_month.filter(ends_at__lte=now)), upcoming=summed(in_month.filter(ends_at__gt=now)))
