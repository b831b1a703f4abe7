"""Lock waits and retries for every write that locks rows: how long a lock may be waited for, and
what happens when it cannot be had. Which rows are locked, and in which order, is the domain's:
bookings/locks.py (customer, expert, bookings) and payments/locks.py (then the payment).

Two writers that lock the same rows in different orders can deadlock on PostgreSQL (a late payment
being confirmed while another customer holds the same slot did). So every write path takes the rows
it will change through those lock functions, at the start of its transaction, each of which calls
`locks_begin` first: it refuses a lock outside a transaction and bounds the lock wait.

A lock that cannot be had (a wait that ran out, a deadlock, SQLite's busy lock) is met by
`retry_on_lock_conflict`: it runs the whole transaction again after a jittered, growing pause
(core/backoff.py), each attempt waiting at most BOOKING_LOCK_TIMEOUT_SECONDS for its locks, all
of it inside BOOKING_RETRY_BUDGET_SECONDS; then it raises `Busy`, a 503 "try again" with
Retry-After for a person and a retry for a task, never a 500. The budget bounds how long a writer
stuck behind locks keeps its pooled connection: it stays well under the pool's own wait, so lock
contention ends in a quick "try again", never in requests queueing for the pool until it times out.

On SQLite every transaction begins IMMEDIATE (settings), which already serialises writers;
`select_for_update` is a plain read there, and the wait for the write lock at BEGIN is the busy
timeout: SQLITE_BUSY_TIMEOUT_SECONDS plays the lock timeout's part, and each attempt sets it to
its share of the budget.
"""
from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar, overload

from django.conf import settings
from django.db import OperationalError, connection

from .backoff import Backoff, OutOfBudget, run_with_backoff
from .errors import ServiceUnavailable

DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
LOCK_NOT_AVAILABLE = "55P03"
LOCK_CONFLICTS = {DEADLOCK, SERIALIZATION_FAILURE, LOCK_NOT_AVAILABLE}

T = TypeVar("T")
P = ParamSpec("P")


class Busy(ServiceUnavailable):
    code = "busy"
    default_message = "Many people are booking right now. Please try again in a moment."

    @property
    def retry_after_seconds(self) -> int:
        return settings.BOOKING_BUSY_RETRY_AFTER_SECONDS


# The lock wait the current attempt may spend (set by retry_on_lock_conflict for its attempt); None
# outside one, where BOOKING_LOCK_TIMEOUT_SECONDS applies.
_attempt_lock_wait: ContextVar[float | None] = ContextVar("attempt_lock_wait", default=None)


class LockOutsideTransaction(RuntimeError):
    """A programming error: a row lock outside a transaction is released at once and protects nothing."""


def locks_begin() -> None:
    """Call before the first row lock of a transaction: refuses to lock outside one (such a lock is
    released at once and protects nothing) and bounds how long each lock may be waited for."""
    if not connection.in_atomic_block:
        raise LockOutsideTransaction("row locks must be taken inside transaction.atomic()")
    _bound_lock_waits()


def _bound_lock_waits() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # is_local=true: the timeout ends with this transaction. Never 0, which means "wait forever".
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{_milliseconds(_lock_wait())}ms"])


def _lock_wait() -> float:
    wait = _attempt_lock_wait.get()
    return settings.BOOKING_LOCK_TIMEOUT_SECONDS if wait is None else wait


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def _sqlite_busy_wait(seconds: float) -> None:
    """SQLite waits for the write lock at BEGIN IMMEDIATE, before any row lock: set the wait first."""
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA busy_timeout = {_milliseconds(seconds)}")


def _sqlite_default_wait() -> float:
    """The connection's own busy timeout (SQLITE_BUSY_TIMEOUT_SECONDS when it was opened)."""
    return float(connection.settings_dict.get("OPTIONS", {}).get("timeout", 5))


def is_lock_conflict(error: BaseException) -> bool:
    """A deadlock, a serialization failure, a lock wait that ran out, or SQLite's busy lock."""
    if not isinstance(error, OperationalError):
        return False
    return (getattr(error.__cause__, "sqlstate", None) in LOCK_CONFLICTS
            or "database is locked" in str(error))


@overload
def retry_on_lock_conflict(function: Callable[P, T], *, backoff: Backoff | None = None) -> Callable[P, T]: ...


@overload
def retry_on_lock_conflict(function: None = None, *,
                           backoff: Backoff | None = None) -> Callable[[Callable[P, T]], Callable[P, T]]: ...


def retry_on_lock_conflict(function: Callable[P, T] | None = None, *,
                           backoff: Backoff | None = None) -> Callable[P, T] | Callable[[Callable[P, T]], Callable[P, T]]:
    """Run a whole transaction again after a deadlock or a lock wait that ran out, with jittered
    back-off inside BOOKING_RETRY_BUDGET_SECONDS; when the budget is spent, raise Busy.

    The decorated function opens its own transaction: that is the unit that is retried. Called inside
    a caller's transaction it cannot start over, so there a conflict is reported as Busy at once (and
    the caller's own retry, if it has one, starts the whole transaction over).
    """
    def decorate(inner: Callable[P, T]) -> Callable[P, T]:
        @functools.wraps(inner)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            if connection.in_atomic_block:
                # Inside a caller's transaction a retry cannot start over: report Busy at once.
                try:
                    return inner(*args, **kwargs)
                except OperationalError as error:
                    if is_lock_conflict(error):
                        raise Busy() from error
                    raise

            def attempt(lock_wait: float) -> T:
                sqlite = connection.vendor == "sqlite"
                if sqlite:
                    _sqlite_busy_wait(lock_wait)
                token = _attempt_lock_wait.set(lock_wait)
                # The connection is kept through the pause that may follow: the pause is short, and a
                # connection given back for it had to be queued for again behind every request waiting
                # on a saturated pool, which spent the budget on the pool instead of the lock
                # (bench/booking.py, docs/benchmarks.md).
                try:
                    return inner(*args, **kwargs)
                finally:
                    _attempt_lock_wait.reset(token)
                    if sqlite and connection.connection is not None:
                        _sqlite_busy_wait(_sqlite_default_wait())

            try:
                return run_with_backoff(attempt, backoff=backoff or Backoff.from_settings(vendor=connection.vendor),
                                        retryable=_retryable)
            except OutOfBudget as spent:
                raise Busy() from spent.last
        return wrapper

    return decorate(function) if function is not None else decorate


def _retryable(error: BaseException) -> bool:
    # Busy: a nested service met the conflict and could not start over; here we can.
    return isinstance(error, Busy) or is_lock_conflict(error)
