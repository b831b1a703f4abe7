"""Fixtures for the video room: a confirmed booking in (or out of) its join window, and signed-in
websocket clients talking to the real ASGI application."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus


def make_booking(*, customer, expert, starts_in: timedelta = timedelta(minutes=2), minutes: int = 30,
                 status: str = BookingStatus.CONFIRMED) -> Booking:
    starts = timezone.now().replace(microsecond=0) + starts_in
    return Booking.objects.create(customer=customer, expert=expert, starts_at=starts,
                                  ends_at=starts + timedelta(minutes=minutes),
                                  blocked_until=starts + timedelta(minutes=minutes), duration_minutes=minutes,
                                  price_minor=150000, status=status, customer_time_zone="Asia/Kolkata")


@pytest.fixture
def booking_now(customer, expert):
    """Confirmed, starting in two minutes: its room is open."""
    return make_booking(customer=customer, expert=expert)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value
