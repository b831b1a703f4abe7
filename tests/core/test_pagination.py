"""Keyset pages: every row once, in order, across ties and rows written between pages; a cursor
that cannot be read is a 400-type InvalidInput, never a 500."""
from datetime import datetime, timedelta, timezone

import pytest

from serene.bookings.models import Booking, BookingStatus
from serene.core.errors import InvalidInput
from serene.core.pagination import MAX_LIMIT, cursor_decode, cursor_encode, keyset_page, limit_from
from tests.factories import ExpertFactory, UserFactory

T0 = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)


def test_a_cursor_reads_back_what_it_was_made_of():
    at = datetime(2027, 10, 31, 5, 45, 12, 123456, tzinfo=timezone.utc)
    assert cursor_decode(cursor_encode(at, 4242)) == (at, 4242)


@pytest.mark.parametrize("cursor", ["", "x", "!!!!", "bm90IGpzb24", "WzEsMl0",  # [1,2]
                                    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwIiwxXQ",  # a time without its zone
                                    "WyIyMDI2LTAxLTAxVDAwOjAwOjAwKzAwOjAwIix0cnVlXQ",  # id true
                                    "A" * 500])
def test_a_cursor_that_cannot_be_read_is_bad_input(cursor):
    with pytest.raises(InvalidInput):
        cursor_decode(cursor)


@pytest.mark.parametrize(("value", "expected"), [(None, 20), ("", 20), ("1", 1), (MAX_LIMIT, MAX_LIMIT)])
def test_a_limit_within_bounds_is_taken(value, expected):
    assert limit_from(value) == expected


@pytest.mark.parametrize("value", ["0", "-1", str(MAX_LIMIT + 1), "ten", "1.5"])
def test_a_limit_out_of_bounds_is_bad_input(value):
    with pytest.raises(InvalidInput):
        limit_from(value)


def _cancelled(expert, customer, starts_at):
    # Cancelled sessions block nothing, so several may start at the same instant: ties for the keyset.
    return Booking(expert=expert, customer=customer, starts_at=starts_at, ends_at=starts_at + timedelta(hours=1),
                   blocked_until=starts_at + timedelta(hours=1), duration_minutes=60, price_minor=150000,
                   status=BookingStatus.CANCELLED)


@pytest.mark.django_db
@pytest.mark.parametrize("newest_first", [False, True])
def test_pages_walk_every_row_once_in_order_across_ties(newest_first):
    expert, customer = ExpertFactory(), UserFactory()
    rows = Booking.objects.bulk_create([_cancelled(expert, customer, T0 + timedelta(hours=index // 3))
                                        for index in range(23)])  # three at each hour
    expected = sorted(Booking.objects.filter(expert=expert), key=lambda b: (b.starts_at, b.pk), reverse=newest_first)
    assert len(expected) == len(rows)
    seen, cursor, pages = [], None, 0
    while True:
        page = keyset_page(Booking.objects.filter(expert=expert), key="starts_at", newest_first=newest_first,
                           cursor=cursor, limit=5)
        seen += page.items
        pages += 1
        if not page.has_next:
            break
        cursor = page.next_cursor
    assert seen == expected and pages == 5


@pytest.mark.django_db
def test_a_row_written_between_pages_neither_repeats_nor_skips_one():
    expert, customer = ExpertFactory(), UserFactory()
    Booking.objects.bulk_create([_cancelled(expert, customer, T0 - timedelta(hours=index)) for index in range(10)])
    first = keyset_page(Booking.objects.filter(expert=expert), key="starts_at", newest_first=True, limit=4)
    Booking.objects.create(**{field: getattr(_cancelled(expert, customer, T0 + timedelta(days=1)), field)
                              for field in ("expert", "customer", "starts_at", "ends_at", "blocked_until",
                                            "duration_minutes", "price_minor", "status")})  # newer than every row
    rest = keyset_page(Booking.objects.filter(expert=expert), key="starts_at", newest_first=True,
                       cursor=first.next_cursor, limit=100)
    walked = [booking.starts_at for booking in first.items + rest.items]
    assert walked == [T0 - timedelta(hours=index) for index in range(10)]
