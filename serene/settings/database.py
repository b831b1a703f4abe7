"""The database: its URL, SQLite's safe defaults, PostgreSQL's connection pool, and how long a write
waits for a locked row and tries again (core/locking.py), which must fit inside the pool's wait."""
from __future__ import annotations

from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from serene.settings.base import VAR_DIR
from serene.settings.env import env, refuse_to_start

DATABASE_URL = env.str("DATABASE_URL", "").strip() or f"sqlite:///{VAR_DIR / 'serene.sqlite3'}"
# SQLite's wait for the write lock; for a booking write, within BOOKING_RETRY_BUDGET_SECONDS (core/locking.py).
SQLITE_BUSY_TIMEOUT_SECONDS = env.seconds("SQLITE_BUSY_TIMEOUT_SECONDS", 20)

# PostgreSQL connections come from Django's psycopg pool: each web or worker process keeps between
# DATABASE_POOL_MIN and DATABASE_POOL_MAX connections, and a request that finds all of them busy for
# DATABASE_POOL_TIMEOUT seconds answers 503 with Retry-After DATABASE_POOL_RETRY_AFTER_SECONDS.
# DATABASE_POOL_MAX=0 turns the pool off (with PgBouncer in front, say; then DATABASE_CONN_MAX_AGE
# applies). The pool needs CONN_MAX_AGE 0.
DATABASE_POOL_MIN = env.int("DATABASE_POOL_MIN", 2)
DATABASE_POOL_MAX = env.int("DATABASE_POOL_MAX", 10)
DATABASE_POOL_TIMEOUT = env.int("DATABASE_POOL_TIMEOUT", 10)
DATABASE_POOL_RETRY_AFTER_SECONDS = env.int("DATABASE_POOL_RETRY_AFTER_SECONDS", 5)

# A write that meets a locked row (core/locking.py) waits at most BOOKING_LOCK_TIMEOUT_SECONDS for it in
# one attempt (PostgreSQL's lock_timeout; on SQLite the busy wait), then lets go of everything and
# tries again after a random pause (full jitter) of up to BOOKING_RETRY_FIRST_DELAY_SECONDS, doubling
# each time up to BOOKING_RETRY_MAX_DELAY_SECONDS. Attempts and pauses together stop after
# BOOKING_RETRY_BUDGET_SECONDS: the request answers 503 `busy` with Retry-After
# BOOKING_BUSY_RETRY_AFTER_SECONDS. The budget stays at most half of DATABASE_POOL_TIMEOUT (its default
# is 3 s or that half, whichever is less; a larger one set by hand is refused below), so a request
# never keeps its pooled connection as long as the others queueing for one will wait.
BOOKING_RETRY_BUDGET_SECONDS = env.seconds("BOOKING_RETRY_BUDGET_SECONDS", min(3.0, DATABASE_POOL_TIMEOUT / 2))
BOOKING_LOCK_TIMEOUT_SECONDS = env.seconds("BOOKING_LOCK_TIMEOUT_SECONDS", min(1.0, BOOKING_RETRY_BUDGET_SECONDS))
BOOKING_RETRY_FIRST_DELAY_SECONDS = env.seconds("BOOKING_RETRY_FIRST_DELAY_SECONDS", 0.05)
BOOKING_RETRY_MAX_DELAY_SECONDS = env.seconds("BOOKING_RETRY_MAX_DELAY_SECONDS", 0.5)
BOOKING_BUSY_RETRY_AFTER_SECONDS = env.int("BOOKING_BUSY_RETRY_AFTER_SECONDS", 2)
if not 0 < BOOKING_LOCK_TIMEOUT_SECONDS <= BOOKING_RETRY_BUDGET_SECONDS:
    refuse_to_start("BOOKING_LOCK_TIMEOUT_SECONDS must be above 0 and at most BOOKING_RETRY_BUDGET_SECONDS.",
                    "One attempt's wait for a lock has to fit inside the whole retry budget: lower\n"
                    "BOOKING_LOCK_TIMEOUT_SECONDS (default 1) or raise BOOKING_RETRY_BUDGET_SECONDS (default 3).")
if not 0 < BOOKING_RETRY_FIRST_DELAY_SECONDS <= BOOKING_RETRY_MAX_DELAY_SECONDS or BOOKING_BUSY_RETRY_AFTER_SECONDS < 1:
    refuse_to_start("The booking retry pauses are out of order.",
                    "BOOKING_RETRY_FIRST_DELAY_SECONDS must be above 0 and at most BOOKING_RETRY_MAX_DELAY_SECONDS,\n"
                    "and BOOKING_BUSY_RETRY_AFTER_SECONDS 1 or more.")


def _default_database() -> dict[str, Any]:
    conn_max_age = env.int("DATABASE_CONN_MAX_AGE", 0)
    try:
        database: dict[str, Any] = dict(dj_database_url.parse(DATABASE_URL, conn_max_age=conn_max_age))
    except Exception as exc:  # dj-database-url raises several types for a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from exc
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN, so a
        # check-then-insert inside one transaction cannot interleave with another writer's.
        return {**database,
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
                            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"},
                "TEST": {"NAME": str(VAR_DIR / "test-serene.sqlite3")}}
    if not database["ENGINE"].startswith("django.db.backends.postgresql"):
        return database
    # CONN_HEALTH_CHECKS (on) makes the pool check each connection as it hands it out.
    database["CONN_HEALTH_CHECKS"] = True
    if DATABASE_POOL_MAX <= 0:
        return database
    if not 0 <= DATABASE_POOL_MIN <= DATABASE_POOL_MAX or DATABASE_POOL_TIMEOUT < 1:
        raise ImproperlyConfigured("DATABASE_POOL_MIN must be from 0 to DATABASE_POOL_MAX, and DATABASE_POOL_TIMEOUT "
                                   "1 or more.")
    if database.get("CONN_MAX_AGE"):
        refuse_to_start("DATABASE_CONN_MAX_AGE is above 0 while the connection pool is on.",
                        "The pool keeps connections itself: unset DATABASE_CONN_MAX_AGE, or set\n"
                        "DATABASE_POOL_MAX=0 to turn the pool off.")
    if BOOKING_RETRY_BUDGET_SECONDS * 2 > DATABASE_POOL_TIMEOUT:
        # A request retrying a lock keeps its pooled connection meanwhile; if it could keep it about as
        # long as a request queueing for a connection waits, a lock storm would turn into pool 503s.
        refuse_to_start("BOOKING_RETRY_BUDGET_SECONDS is more than half of DATABASE_POOL_TIMEOUT.",
                        "Keep the lock-retry budget well under the pool's wait: lower BOOKING_RETRY_BUDGET_SECONDS\n"
                        f"(now {BOOKING_RETRY_BUDGET_SECONDS:g}) or raise DATABASE_POOL_TIMEOUT (now {DATABASE_POOL_TIMEOUT}).")
    return {**database, "CONN_MAX_AGE": 0,
            "OPTIONS": {**database.get("OPTIONS", {}),
                        "pool": {"min_size": DATABASE_POOL_MIN, "max_size": DATABASE_POOL_MAX,
                                 "timeout": DATABASE_POOL_TIMEOUT}}}


DATABASES = {"default": _default_database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
