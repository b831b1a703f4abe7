"""A create-order that meets the expert's row locked backs off and tries again inside its budget
(core/locking.py): it answers 503 `busy` with Retry-After when the lock outlasts the budget, and
holds the time once the rival lets go. On SQLite the write lock taken at BEGIN IMMEDIATE plays the
row lock's part, and the busy timeout (SQLITE_BUSY_TIMEOUT_SECONDS) the lock timeout's."""
from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connections, transaction
from django.urls import get_resolver

from serene.experts.locks import lock_expert
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.services import booking_hold
from serene.core import locking
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory
from tests.interleave import paused_at

from .helpers import create_order

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pauses(monkeypatch) -> list[float]:
    """The pauses retry_on_lock_conflict takes between attempts (really taken), in order."""
    taken: list[float] = []
    run_with_backoff = locking.run_with_backoff

    def recording(attempt, **options):
        def sleep(seconds: float) -> None:
            taken.append(seconds)
            time.sleep(seconds)
        return run_with_backoff(attempt, sleep=sleep, **options)

    monkeypatch.setattr(locking, "run_with_backoff", recording)
    return taken


@pytest.fixture
def expert_row_held(sarah):
    """Another connection holds Sarah's row locked (on SQLite: the database's write lock) until the test ends."""
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                lock_expert(expert_id=sarah.pk)
                holding.set()
                done.wait(60)
        finally:
            connections.close_all()

    blocker = threading.Thread(target=hold, daemon=True)
    blocker.start()
    assert holding.wait(30), "the other connection never got the lock"
    yield
    done.set()
    blocker.join(30)


def test_a_row_held_past_the_budget_answers_busy_503_with_retry_after_within_the_budget(client, sarah, settings,
                                                                                      pauses, request):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = settings.SQLITE_BUSY_TIMEOUT_SECONDS = 0.3
    settings.BOOKING_RETRY_BUDGET_SECONDS = 1.5
    client.force_login(UserFactory())
    _ = get_resolver().url_patterns  # the first request of a process imports every view: not part of the wait
    request.getfixturevalue("expert_row_held")
    began = time.monotonic()
    response = create_order(client, starts=at(next_weekday(), 10))
    elapsed = time.monotonic() - began
    assert response.status_code == 503, response.content
    assert response.json() == {"success": False, "error": {
        "code": "busy", "message": "Many people are booking right now. Please try again in a moment."}}
    assert response["Retry-After"] == str(settings.BOOKING_BUSY_RETRY_AFTER_SECONDS)
    assert len(pauses) >= 2, "it tried again, after a pause, instead of waiting once for the whole time"
    # A bound, not a speed aim: before the budget one create-order could wait three full lock
    # timeouts (15 s on PostgreSQL, 60 s of busy timeout on SQLite).
    assert elapsed < settings.BOOKING_RETRY_BUDGET_SECONDS + 3, elapsed
    assert not Booking.objects.exists()  # nothing half-written


def test_a_rival_of_a_path_holding_the_experts_lock_retries_and_holds_once_it_is_released(client, sandbox, sarah,
                                                                                        settings, quiet, pauses):
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = settings.SQLITE_BUSY_TIMEOUT_SECONDS = 0.2  # each attempt gives up soon ...
    settings.BOOKING_RETRY_BUDGET_SECONDS = 10   # ... and the budget outlasts the pause below
    day = next_weekday()
    first_customer = UserFactory()
    client.force_login(UserFactory())
    _ = get_resolver().url_patterns  # import every view now, not while the rival's budget runs
    # The first path has locked Sarah's row (and on SQLite begun its write) and is checking the slot.
    with paused_at("serene.bookings.services._requested_slot", rivals_wait=False) as pause:
        first = pause.run(lambda: booking_hold(customer=first_customer, expert=sarah, starts_at=at(day, 10),
                                               duration_minutes=60))
        rival = pause.run_rival(lambda: create_order(client, starts=at(day, 14)), wait=0)
        deadline = time.monotonic() + 8
        while len(pauses) < 2 and time.monotonic() < deadline and not rival.finished(0.05):
            pass
        assert not rival.finished(0), "the rival cannot hold while the expert's row is locked"
        assert len(pauses) >= 2, "the rival gave up its attempts and tried again, more than once"
        pause.release()
    assert first.result().status == BookingStatus.PENDING
    response = rival.result()
    assert response.status_code == 200, response.content
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 2


def test_a_rival_for_a_time_already_taken_is_told_at_once_without_queueing_for_the_lock(client, sarah, settings,
                                                                                      request):
    """Most rivals for a popular time lose: they hear 409 from a read before any lock, so they never
    join the queue for the expert's row (here held by another connection the whole time)."""
    settings.BOOKING_LOCK_TIMEOUT_SECONDS = settings.SQLITE_BUSY_TIMEOUT_SECONDS = 0.3
    settings.BOOKING_RETRY_BUDGET_SECONDS = 1.5
    start = at(next_weekday(), 10)
    booking_hold(customer=UserFactory(), expert=sarah, starts_at=start, duration_minutes=60)
    client.force_login(UserFactory())
    _ = get_resolver().url_patterns
    request.getfixturevalue("expert_row_held")
    response = create_order(client, starts=start + timedelta(minutes=30))  # overlaps the held hour
    assert response.status_code == 409, response.content
    assert response.json()["error"]["code"] == "slot_taken"
    assert Booking.objects.count() == 1
