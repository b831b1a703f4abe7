"""Row locks for every write, taken in one fixed order: customer, expert, bookings, then payment.

Two writers that lock the same rows in different orders can deadlock on PostgreSQL (a late payment
being confirmed while another customer holds the same slot did). So every write path takes all the
rows it will change through `lock_rows`, once, at the start of its transaction: the order is fixed
here, not remembered by each caller. (Only booking_hold locks the customer, to count their holds.)

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
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar

from django.conf import settings
from django.db import OperationalError, connection

from .backoff import Backoff, OutOfBudget, run_with_backoff
from .errors import NotFound, ServiceUnavailable

if TYPE_CHECKING:
    from serene.accounts.models import User
    from serene.bookings.models import Booking
    from serene.experts.models import Expert
    from serene.payments.models import Payment

DEADLOCK = "40P01"
SERIALIZATION_FAILURE = "40001"
LOCK_NOT_AVAILABLE = "55P03"
LOCK_CONFLICTS = {DEADLOCK, SERIALIZATION_FAILURE, LOCK_NOT_AVAILABLE}

T = TypeVar("T")


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


@dataclass
class Locked:
    """The rows one transaction holds, freshly read under their locks."""
    customer: User | None = None
    expert: Expert | None = None
    bookings: dict[int, Booking] = field(default_factory=dict)
    payment: Payment | None = None

    @property
    def booking(self) -> Booking:
        if len(self.bookings) != 1:
            raise LookupError(f"{len(self.bookings)} bookings are locked, not one")
        return next(iter(self.bookings.values()))


def lock_rows(*, customer_id: int | None = None, expert_id: int | None = None, booking_ids: Iterable[int] = (),
              payment_id: int | None = None) -> Locked:
    """Lock the given rows in the fixed order and return them as they are now.

    Call it at the start of a transaction with the rows the transaction will change; a later call
    in the same transaction may only add rows of a later kind (bookings found under the expert's
    lock, say). Bookings are locked in ascending id order.
    """
    from serene.accounts.models import User
    from serene.bookings.models import Booking
    from serene.experts.models import Expert
    from serene.payments.models import Payment

    if not connection.in_atomic_block:
        raise LockOutsideTransaction("lock_rows must run inside transaction.atomic()")
    _bound_lock_waits()
    locked = Locked()
    if customer_id is not None:
        locked.customer = User.objects.select_for_update(of=("self",)).get(pk=customer_id)
    if expert_id is not None:
        locked.expert = Expert.objects.select_for_update(of=("self",)).get(pk=expert_id)
    for booking_id in sorted(set(booking_ids)):
        locked.bookings[booking_id] = Booking.objects.select_for_update(of=("self",)).get(pk=booking_id)
    if payment_id is not None:
        locked.payment = Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)
    return locked


def lock_booking(*, booking_id: int, payment_id: int | None = None) -> Locked:
    """Lock a booking after its expert (and a payment of it last): the usual start of a booking's write.

    NotFound when there is no such booking.
    """
    from serene.bookings.models import Booking

    expert_id = Booking.objects.filter(pk=booking_id).values_list("expert_id", flat=True).first()
    if expert_id is None:
        raise NotFound("There is no session with that id.")
    return lock_rows(expert_id=expert_id, booking_ids=[booking_id], payment_id=payment_id)


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
    """SQLite waits for the write lock at BEGIN IMMEDIATE, before any lock_rows: set the wait first."""
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


def retry_on_lock_conflict(function: Callable[..., T] | None = None, *, backoff: Backoff | None = None) -> Callable[..., T]:
    """Run a whole transaction again after a deadlock or a lock wait that ran out, with jittered
    back-off inside BOOKING_RETRY_BUDGET_SECONDS; when the budget is spent, raise Busy.

    The decorated function opens its own transaction: that is the unit that is retried. Called inside
    a caller's transaction it cannot start over, so there a conflict is reported as Busy at once (and
    the caller's own retry, if it has one, starts the whole transaction over).
    """
    def decorate(inner: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(inner)
        def wrapper(*args, **kwargs) -> T:
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
