"""The retry schedule of a write that met a locked row: exponential back-off with full jitter,
inside one time budget. Pure: the clock, the sleep and the random draw are handed in, so tests
check the schedule without waiting.

Full jitter (each pause drawn uniformly from zero to the doubled ceiling) spreads the retries of
writers that collided at the same moment, so they do not collide again in step. The budget bounds
everything a request spends on one write's locks: every attempt's lock wait is cut to what is left
of it, and no pause is taken that would leave too little for the attempt after it.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

# An attempt given less than this to wait for its lock is not worth starting: a lock held by a
# normal write is let go within milliseconds, one queued behind others within tens of them.
SHORTEST_USEFUL_WAIT_SECONDS = 0.05


@dataclass(frozen=True)
class Backoff:
    lock_timeout: float   # the longest one attempt waits for a lock
    budget: float         # attempts and pauses together, from the first attempt's start
    first_delay: float    # the ceiling of the first pause; each next ceiling doubles
    max_delay: float      # ceilings stop growing here

    def ceiling(self, *, retry: int) -> float:
        """The largest pause before retry number `retry` (1 for the first retry)."""
        return min(self.max_delay, self.first_delay * 2 ** min(retry - 1, 32))

    def pause(self, *, retry: int, draw: Callable[[], float]) -> float:
        """Full jitter: a pause drawn uniformly from [0, ceiling). `draw` returns a number in [0, 1)."""
        return self.ceiling(retry=retry) * draw()

    @classmethod
    def from_settings(cls, *, vendor: str) -> Backoff:
        """The settings' schedule. On SQLite the busy timeout plays the lock timeout's part: SQLite has
        no queue of waiters to lose one's place in, and no pool to hand the connection back to, so an
        attempt may wait as long as SQLITE_BUSY_TIMEOUT_SECONDS allows, within the budget."""
        from django.conf import settings
        lock_timeout = (settings.SQLITE_BUSY_TIMEOUT_SECONDS if vendor == "sqlite"
                        else settings.BOOKING_LOCK_TIMEOUT_SECONDS)
        return cls(lock_timeout=lock_timeout, budget=settings.BOOKING_RETRY_BUDGET_SECONDS,
                   first_delay=settings.BOOKING_RETRY_FIRST_DELAY_SECONDS,
                   max_delay=settings.BOOKING_RETRY_MAX_DELAY_SECONDS)


class OutOfBudget(Exception):
    """The attempts failed and the budget has no room left for another; carries the last failure."""

    def __init__(self, last: BaseException, attempts: int) -> None:
        super().__init__(f"gave up after {attempts} attempts")
        self.last = last
        self.attempts = attempts


def run_with_backoff(attempt: Callable[[float], T], *, backoff: Backoff, retryable: Callable[[BaseException], bool],
                     clock: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                     draw: Callable[[], float] = random.random) -> T:
    """Call `attempt(lock_wait_seconds)` until it returns; retry what `retryable` accepts after a
    jittered pause, while the budget allows; then raise OutOfBudget from the last failure.

    Each attempt is given min(lock_timeout, what is left of the budget) as its lock wait. Errors
    that are not retryable pass through at once.
    """
    deadline = clock() + backoff.budget
    retry = 0
    while True:
        lock_wait = min(backoff.lock_timeout, deadline - clock())
        try:
            return attempt(lock_wait)
        except Exception as error:
            if not retryable(error):
                raise
            retry += 1
            pause = backoff.pause(retry=retry, draw=draw)
            if deadline - clock() - pause < SHORTEST_USEFUL_WAIT_SECONDS:
                raise OutOfBudget(error, attempts=retry) from error
            sleep(pause)
