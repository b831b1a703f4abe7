"""The lock-retry schedule (core/backoff.py) with the clock, the sleep and the random draw handed in:
pauses grow to a ceiling, are jittered over the whole range, and never carry a write past its budget."""
from __future__ import annotations

import random

import pytest

from serene.core.backoff import SHORTEST_USEFUL_WAIT_SECONDS, Backoff, OutOfBudget, run_with_backoff

BACKOFF = Backoff(lock_timeout=1.0, budget=3.0, first_delay=0.05, max_delay=0.5)


class Conflict(Exception):
    pass


class FakeTime:
    """A clock that moves only when the code under test waits: for a lock (an attempt spends its whole
    lock wait, as one does whose wait runs out) or in a pause."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.pauses: list[float] = []
        self.lock_waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.pauses.append(seconds)
        self.now += seconds

    def always_locked(self, lock_wait: float):
        self.lock_waits.append(lock_wait)
        self.now += lock_wait
        raise Conflict()


def _run_out(backoff: Backoff, fake: FakeTime, draw) -> OutOfBudget:
    with pytest.raises(OutOfBudget) as raised:
        run_with_backoff(fake.always_locked, backoff=backoff, retryable=lambda error: isinstance(error, Conflict),
                         clock=fake.clock, sleep=fake.sleep, draw=draw)
    return raised.value


def test_the_ceiling_doubles_from_the_first_delay_and_stops_at_the_largest():
    assert [BACKOFF.ceiling(retry=retry) for retry in range(1, 7)] == [0.05, 0.1, 0.2, 0.4, 0.5, 0.5]
    assert BACKOFF.ceiling(retry=10_000) == 0.5  # no overflow on a long run


def test_a_pause_is_drawn_from_the_whole_range_below_the_ceiling():
    assert BACKOFF.pause(retry=3, draw=lambda: 0.0) == 0.0
    assert BACKOFF.pause(retry=3, draw=lambda: 0.5) == pytest.approx(0.1)
    assert BACKOFF.pause(retry=3, draw=lambda: 0.999) == pytest.approx(0.1998)
    draws = random.Random(7)
    pauses = {round(BACKOFF.pause(retry=4, draw=draws.random), 6) for _ in range(50)}
    assert len(pauses) == 50 and all(0 <= pause < 0.4 for pause in pauses)  # jittered, never the same twice


@pytest.mark.parametrize("draw", [lambda: 0.0, lambda: 0.5, lambda: 0.999999, random.Random(1).random])
def test_attempts_and_pauses_together_stay_inside_the_budget(draw):
    fake = FakeTime()
    began = fake.now
    spent = _run_out(BACKOFF, fake, draw)
    assert fake.now - began <= BACKOFF.budget + 1e-9
    assert isinstance(spent.last, Conflict) and spent.attempts == len(fake.lock_waits)
    assert all(wait <= BACKOFF.lock_timeout for wait in fake.lock_waits)
    assert all(wait >= SHORTEST_USEFUL_WAIT_SECONDS for wait in fake.lock_waits)
    assert all(pause <= BACKOFF.ceiling(retry=number) for number, pause in enumerate(fake.pauses, start=1))


def test_the_last_attempt_gets_only_what_is_left_of_the_budget():
    fake = FakeTime()
    _run_out(BACKOFF, fake, lambda: 0.5)
    # Wait 1 s, pause 0.025 s, wait 1 s, pause 0.05 s: 0.925 s are left, and the third attempt waits only that.
    assert fake.lock_waits[:2] == [1.0, 1.0] and fake.lock_waits[2] == pytest.approx(0.925)
    assert len(fake.lock_waits) == 3


def test_a_conflict_that_passes_is_retried_until_the_write_succeeds():
    fake = FakeTime()
    tries = []

    def locked_twice(lock_wait: float) -> str:
        tries.append(lock_wait)
        if len(tries) <= 2:
            fake.now += 0.01  # a deadlock is reported at once
            raise Conflict()
        return "written"

    assert run_with_backoff(locked_twice, backoff=BACKOFF, retryable=lambda error: isinstance(error, Conflict),
                            clock=fake.clock, sleep=fake.sleep, draw=lambda: 0.5) == "written"
    assert len(tries) == 3 and fake.pauses == [pytest.approx(0.025), pytest.approx(0.05)]


def test_an_error_that_is_not_a_conflict_is_not_retried():
    fake = FakeTime()
    tries = []

    def broken(lock_wait: float):
        tries.append(lock_wait)
        raise ValueError("bad data")

    with pytest.raises(ValueError):
        run_with_backoff(broken, backoff=BACKOFF, retryable=lambda error: isinstance(error, Conflict),
                         clock=fake.clock, sleep=fake.sleep, draw=lambda: 0.5)
    assert len(tries) == 1 and fake.pauses == []


def test_a_budget_shorter_than_the_lock_timeout_cuts_even_the_first_wait():
    fake = FakeTime()
    _run_out(Backoff(lock_timeout=5.0, budget=0.3, first_delay=0.05, max_delay=0.5), fake, lambda: 0.0)
    assert fake.lock_waits[0] == pytest.approx(0.3) and fake.now - 1000.0 <= 0.3 + 1e-9
