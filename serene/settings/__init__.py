"""Serene's settings, one module per concern, each variable read once from the environment through
`env` (env.py) with a safe default. DJANGO_SETTINGS_MODULE stays `serene.settings`.

base           where Serene lives, debug, its address, apps, middleware, templates, static files, caches
security       the signing key, hosts and proxies, passwords and log-in limits, cookies, HTTPS, CSP
database       the database URL, SQLite's options, PostgreSQL's pool, the lock waits and retries
email          sender, backend (SMTP, a provider, the mailbox), the outbox's retries, reminders
bookings       holds, cancellation, rescheduling and approval rules
payments       Razorpay or its emulator, the emulator's switches, refunds, the fee, receipts
tasks          the task queue, retries, and every job the scheduler queues
video          the session room, STUN/TURN, Jitsi, the channel layer (Redis)
observability  logs, metrics, readiness

Each module defines each of its settings once and imports what it needs from the others; none
edits another's list. Every variable read is listed in the README's table
(tests/core/test_settings_readme.py keeps the two in step).
"""
from serene.settings.base import *  # noqa: F403
from serene.settings.security import *  # noqa: F403
from serene.settings.database import *  # noqa: F403
from serene.settings.email import *  # noqa: F403
from serene.settings.bookings import *  # noqa: F403
from serene.settings.payments import *  # noqa: F403
from serene.settings.tasks import *  # noqa: F403
from serene.settings.video import *  # noqa: F403
from serene.settings.observability import *  # noqa: F403
