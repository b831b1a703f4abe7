"""Every list that grows with a practice is bounded on the dashboards and paged (keyset) on its own
page, at a number of queries that does not grow with the history; the sums are the database's."""
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from serene.bookings.agenda import PAST_SHOWN, expert_sessions_page
from serene.bookings.earnings import earnings_for_expert, platform_fee_minor
from serene.bookings.models import Booking, BookingStatus, MoneyOutcome
from serene.bookings.selectors import DASHBOARD_SHOWN
from serene.payments.models import Payment, PaymentStatus
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")
PAST_MIX = [BookingStatus.COMPLETED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CANCELLED,
            BookingStatus.COMPLETED, BookingStatus.REJECTED, BookingStatus.EXPIRED]


def _row(expert, customer, starts_at, status, *, price=150000, outcome=MoneyOutcome.NONE, **extra):
    return Booking(expert=expert, customer=customer, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                   blocked_until=starts_at + timedelta(hours=1), duration_minutes=60, price_minor=price,
                   status=status, money_outcome=outcome, **extra)


def practice(expert, *, past: int, later: int, now: datetime, customer=None, days_apart: int = 0) -> list[Booking]:
    """A practice's history as the services leave it: four sessions a day on weekdays, going back from
    yesterday in a mix of states (refunds on the cancelled and declined ones), and kept ones ahead
    from the day after tomorrow, a few waiting for an answer. `days_apart` moves both further from
    today, so one customer's sessions with several experts never overlap (the database refuses that)."""
    zone = ZoneInfo(expert.time_zone)
    today = now.astimezone(zone).date()
    rows, day = [], today - timedelta(days=1 + days_apart)
    while len(rows) < past:
        if day.weekday() < 5:
            for hour in (9, 11, 14, 16)[:past - len(rows)]:
                status = PAST_MIX[len(rows) % len(PAST_MIX)]
                outcome = MoneyOutcome.REFUNDED_IN_FULL if status in (BookingStatus.CANCELLED,
                                                                      BookingStatus.REJECTED) else MoneyOutcome.NONE
                rows.append(_row(expert, customer or UserFactory.build(), datetime.combine(day, time(hour), zone),
                                 status, outcome=outcome))
        day -= timedelta(days=1)
    ahead, day = [], today + timedelta(days=2 + days_apart)
    while len(ahead) < later:
        for hour in (10, 15)[:later - len(ahead)]:
            status = BookingStatus.AWAITING_APPROVAL if len(ahead) % 5 == 4 else BookingStatus.CONFIRMED
            ahead.append(_row(expert, customer or UserFactory.build(), datetime.combine(day, time(hour), zone), status))
        day += timedelta(days=1)
    if customer is None:
        from serene.accounts.models import User
        users = User.objects.bulk_create([row.customer for row in rows + ahead])
        for row, user in zip(rows + ahead, users):
            row.customer = user
    return Booking.objects.bulk_create(rows + ahead)


def _queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content.decode()


def test_the_expert_dashboard_is_bounded_and_costs_the_same_queries_at_any_size(client, time_machine):
    now = datetime(2026, 11, 18, 12, 0, tzinfo=KOLKATA)
    time_machine.move_to(now, tick=False)
    small, large = ExpertFactory(time_zone="Asia/Kolkata"), ExpertFactory(time_zone="Asia/Kolkata")
    practice(small, past=3, later=2, now=now)
    practice(large, past=400, later=60, now=now)
    counts = []
    for expert in (small, large):
        client.force_login(expert.user)
        count, page = _queries(client, "/expert/dashboard/")
        counts.append(count)
    assert counts[0] == counts[1]
    assert page.count('class="card expert-session') <= PAST_SHOWN + 20 + 20
    assert "See all past sessions" in page and "See all upcoming sessions" in page
    assert "/expert/sessions/?when=past" in page


def test_the_expert_sessions_pages_walk_every_session_once(client, time_machine):
    now = datetime(2026, 11, 18, 12, 0, tzinfo=KOLKATA)
    time_machine.move_to(now, tick=False)
    expert = ExpertFactory(time_zone="Asia/Kolkata")
    practice(expert, past=47, later=23, now=now)
    for when, newest_first in (("past", True), ("later", False)):
        listed, cursor = [], None
        while True:
            page = expert_sessions_page(expert=expert, when=when, cursor=cursor, now=now)
            listed += page.items
            if not page.has_next:
                break
            cursor = page.next_cursor
        times = [booking.starts_at for booking in listed]
        assert times == sorted(times, reverse=newest_first) and len(set(b.pk for b in listed)) == len(listed)
        if when == "past":  # every listed state (expired holds are not sessions)
            assert len(listed) == 47 - sum(1 for index in range(47) if PAST_MIX[index % 7] == BookingStatus.EXPIRED)
        else:
            assert len(listed) == 23
    client.force_login(expert.user)
    first = client.get("/expert/sessions/?when=past").content.decode()
    assert 'rel="next"' in first and "cursor=" in first
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"/expert/sessions/?when=past&cursor={cursor}")
    assert second.status_code == 200 and "Back to the first page" in second.content.decode()
    broken = client.get("/expert/sessions/?when=past&cursor=not-a-cursor")
    assert broken.status_code == 400 and "start again from its first page" in broken.content.decode()


def test_the_customer_dashboard_and_sessions_pages_are_bounded(client, time_machine):
    now = datetime(2026, 11, 18, 12, 0, tzinfo=KOLKATA)
    time_machine.move_to(now, tick=False)
    light, heavy = UserFactory(), UserFactory()
    practice(ExpertFactory(), past=2, later=1, now=now, customer=light)
    for index in range(3):  # one customer, several experts, a long history
        practice(ExpertFactory(), past=60, later=8, now=now, customer=heavy, days_apart=40 * index)
    counts = []
    for user in (light, heavy):
        client.force_login(user)
        count, page = _queries(client, "/dashboard/")
        counts.append(count)
    assert counts[0] == counts[1]
    assert page.count('class="card cust-session') == 2 * DASHBOARD_SHOWN  # upcoming and past, each cut short
    assert "See all past sessions" in page and "See all upcoming sessions" in page
    small_list, _ = _queries(client, "/dashboard/sessions/?when=past")
    client.force_login(light)
    large_list, _ = _queries(client, "/dashboard/sessions/?when=past")
    assert small_list == large_list
    assert client.get("/dashboard/sessions/?when=past&cursor=%%%").status_code == 400


def test_the_payment_history_is_paged_newest_first(client):
    customer = UserFactory()
    expert = ExpertFactory()
    start = datetime(2026, 1, 5, 10, 0, tzinfo=KOLKATA)
    bookings = Booking.objects.bulk_create([_row(expert, customer, start + timedelta(days=index),
                                                 BookingStatus.COMPLETED) for index in range(45)])
    Payment.objects.bulk_create([Payment(booking=booking, gateway_order_id=f"order_{index:04d}",
                                         gateway_payment_id=f"pay_{index:04d}", amount_minor=150000, currency="INR",
                                         status=PaymentStatus.CAPTURED, captured_at=booking.starts_at,
                                         created_at=booking.starts_at - timedelta(days=1))
                                 for index, booking in enumerate(bookings)])
    client.force_login(customer)
    seen, url = [], "/dashboard/payments/"
    while url:
        page = client.get(url).content.decode()
        seen += [chunk.split("<")[0] for chunk in page.split("<code>")[1:] if chunk.startswith("pay_")]
        url = ("/dashboard/payments/?cursor=" + page.split("cursor=")[1].split('"')[0]) if 'rel="next"' in page else ""
    assert seen == [f"pay_{index:04d}" for index in range(44, -1, -1)]


def test_the_profile_shows_the_latest_reviews_and_links_to_every_one(client):
    expert = ExpertFactory()
    start = datetime(2025, 6, 2, 10, 0, tzinfo=KOLKATA)
    Booking.objects.bulk_create([_row(expert, UserFactory(), start + timedelta(days=index), BookingStatus.COMPLETED,
                                      rating=5 - index % 3, review=f"Review number {index}",
                                      reviewed_at=start + timedelta(days=index, hours=3)) for index in range(27)])
    expert.rating_count, expert.rating_average = 27, Decimal("4.0")
    expert.save()
    profile = client.get(f"/experts/{expert.slug}/").content.decode()
    assert "Review number 26" in profile and "Review number 16" not in profile
    assert f"/experts/{expert.slug}/reviews/" in profile and "See all 27 reviews" in profile
    first = client.get(f"/experts/{expert.slug}/reviews/").content.decode()
    cursor = first.split("cursor=")[1].split('"')[0]
    second = client.get(f"/experts/{expert.slug}/reviews/?cursor={cursor}").content.decode()
    shown = [f"Review number {index}" in first + second for index in range(27)]
    assert all(shown) and "Review number 6" not in first and "Review number 6" in second
    assert client.get(f"/experts/{expert.slug}/reviews/?cursor=zz").status_code == 400


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/New_York", "Europe/London"])
def test_earnings_are_added_up_by_the_database_exactly_as_session_by_session(zone, settings):
    """Prices whose fees round differently, sessions on the edge of a month on the expert's clock and
    across a DST change: the grouped sums equal the per-session rule, in two queries at any size."""
    settings.PLATFORM_FEE_PERCENT = Decimal("15")
    tz = ZoneInfo(zone)
    expert, customer = ExpertFactory(time_zone=zone), UserFactory()
    now = datetime(2026, 11, 20, 12, 0, tzinfo=tz)
    prices = [150000, 1001, 1010, 99999, 3]
    rows, index = [], 0
    for month_back in range(7):
        first = datetime(2026 - (month_back >= 10), (11 - month_back - 1) % 12 + 1, 1, tzinfo=tz)
        for starts in (first.replace(hour=0, minute=30), first.replace(day=15, hour=9),
                       first.replace(day=28, hour=23, minute=0)):
            status = [BookingStatus.COMPLETED, BookingStatus.NO_SHOW, BookingStatus.CONFIRMED,
                      BookingStatus.CANCELLED][index % 4]
            rows.append(_row(expert, customer, starts, status, price=prices[index % len(prices)],
                             outcome=MoneyOutcome.REFUNDED_IN_FULL if status == BookingStatus.CANCELLED
                             else MoneyOutcome.NONE))
            index += 1
    Booking.objects.bulk_create(rows)
    with CaptureQueriesContext(connection) as queries:
        earnings = earnings_for_expert(expert=expert, months=6, now=now)
    assert len(queries) == 2
    for month in earnings.months:
        kept = [row for row in rows if row.status != BookingStatus.CANCELLED
                and (row.starts_at.astimezone(tz).year, row.starts_at.astimezone(tz).month)
                == (month.month.year, month.month.month)]
        assert month.sessions == len(kept)
        assert month.gross_minor == sum(row.price_minor for row in kept)
        assert month.fee_minor == sum(platform_fee_minor(gross_minor=row.price_minor) for row in kept)
    assert len(earnings.sessions) == 10
    assert earnings.sessions[0].booking.starts_at == max(row.starts_at for row in rows
                                                         if row.status != BookingStatus.CANCELLED
                                                         and row.starts_at < datetime(2026, 12, 1, tzinfo=tz))


@pytest.mark.postgres
def test_the_pages_queries_use_their_indexes_on_postgresql():
    now = datetime(2026, 11, 18, 12, 0, tzinfo=KOLKATA)
    expert, customer = ExpertFactory(time_zone="Asia/Kolkata"), UserFactory()
    practice(expert, past=200, later=10, now=now)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_booking")
        cursor.execute("SET LOCAL enable_seqscan = off")
        plans = {}
        for name, queryset in {
            "expert past page": expert_sessions_page(expert=expert, when="past", now=now) and
            Booking.objects.filter(expert=expert, status__in=[BookingStatus.COMPLETED, BookingStatus.CANCELLED],
                                   starts_at__lt=now).order_by("-starts_at", "-pk")[:21],
            "customer past page": Booking.objects.filter(customer=customer, ends_at__lte=now)
            .order_by("-starts_at", "-pk")[:21],
            "reviews page": Booking.objects.filter(expert=expert, reviewed_at__isnull=False)
            .order_by("-reviewed_at", "-pk")[:21],
        }.items():
            sql, params = queryset.query.sql_with_params()
            cursor.execute("EXPLAIN " + sql, params)
            plans[name] = "\n".join(row[0] for row in cursor.fetchall())
    assert "booking_expert_time_idx" in plans["expert past page"] and "Sort" not in plans["expert past page"]
    assert "booking_customer_time_idx" in plans["customer past page"] and "Sort" not in plans["customer past page"]
    assert "booking_expert_reviews_idx" in plans["reviews page"] and "Sort" not in plans["reviews page"]
