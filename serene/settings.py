"""Serene's settings, read from the environment with safe defaults.

Every variable read here is listed in the README's table; keep the two in step.
"""
from __future__ import annotations

import os
import sys
import warnings
from decimal import Decimal, InvalidOperation
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from serene.core.email_config import EmailConfigError, email_config_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("SERENE_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None


def env_seconds(name: str, default: float) -> float:
    """A duration in seconds, decimals allowed (0.5); never negative."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number of seconds, not {raw!r}.") from None
    if not 0 <= value < float("inf"):
        raise ImproperlyConfigured(f"{name} must be 0 or more seconds, not {raw!r}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def refuse_to_start(problem: str, advice: str) -> None:
    """Stop start-up with a message a person deploying Serene can act on."""
    sys.stderr.write(f"\nSerene will not start: {problem}\n{advice}\n\n")
    raise ImproperlyConfigured(problem)


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        refuse_to_start("SECRET_KEY is not set and DEBUG is off.",
                        "Set SECRET_KEY to a long random string (for example the output of\n"
                        "  python -c 'import secrets; print(secrets.token_urlsafe(50))')\n"
                        "or set DEBUG=true for local development.")
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"

SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if not DEBUG else ["*"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [SITE_URL])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "serene.core",
    "serene.accounts",
    "serene.experts",
    "serene.availability",
    "serene.bookings",
    "serene.payments",
    "serene.notifications",
    "serene.payments.sandbox",  # tables only; its URLs are mounted when PAYMENTS_SANDBOX is on
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "serene.core.middleware.AppErrorMiddleware",
    "serene.core.middleware.ApiMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "serene.urls"
ASGI_APPLICATION = "serene.asgi.application"
WSGI_APPLICATION = "serene.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "serene" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "serene.core.context_processors.site",
                "serene.notifications.context_processors.notices",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{VAR_DIR / 'serene.sqlite3'}"
try:
    _database = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))
except Exception as exc:  # dj-database-url raises several types for a malformed URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a database URL we understand: {exc}") from exc

# SQLite's wait for the write lock; for a booking write, within BOOKING_RETRY_BUDGET_SECONDS (core/locking.py).
SQLITE_BUSY_TIMEOUT_SECONDS = env_seconds("SQLITE_BUSY_TIMEOUT_SECONDS", 20)
if _database["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run beside the one writer; IMMEDIATE takes the write lock at BEGIN, so a
    # check-then-insert inside one transaction cannot interleave with another writer's.
    _database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    _database["TEST"] = {"NAME": str(VAR_DIR / "test-serene.sqlite3")}
elif _database["ENGINE"].startswith("django.db.backends.postgresql"):
    _database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "experts:browse"
LOGOUT_REDIRECT_URL = "experts:browse"
# Failed log-ins: after LOGIN_FAILURE_LIMIT failures within LOGIN_LOCK_MINUTES for one account,
# or LOGIN_FAILURE_LIMIT_PER_ADDRESS from one address, that key is locked for LOGIN_LOCK_MINUTES.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env_int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20)
LOGIN_LOCK_MINUTES = env_int("LOGIN_LOCK_MINUTES", 15)
# Sign-ups: at most this many new accounts an hour from one address (an IPv6 /64), then 429.
SIGNUP_LIMIT_PER_ADDRESS = env_int("SIGNUP_LIMIT_PER_ADDRESS", 10)

# --- Internationalisation and time ------------------------------------------------------------
LANGUAGE_CODE = "en-in"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_USER_TIME_ZONE = "Asia/Kolkata"

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "serene" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# WhiteNoise streams files synchronously; under ASGI Django warns once per file. The files are small.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)

# --- Email ------------------------------------------------------------------------------------
BRAND_NAME = os.environ.get("BRAND_NAME", "Serene")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", f"{BRAND_NAME} <noreply@serene.test>")
SUPPORT_EMAIL = os.environ.get("SUPPORT_EMAIL", "support@serene.test")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# EMAIL_PROVIDER picks the backend: smtp, a provider through django-anymail (its key is required),
# or the mailbox, which keeps each message as an .eml under EMAIL_FILE_PATH, read at /dev/mail/ in
# debug. Unset, it is smtp when EMAIL_HOST is set and the mailbox otherwise.
EMAIL_FILE_PATH = VAR_DIR / "mail"
try:
    _email = email_config_from_env(os.environ)
except EmailConfigError as exc:
    refuse_to_start(exc.problem, exc.advice)
EMAIL_PROVIDER = _email.provider
EMAIL_BACKEND = _email.backend
ANYMAIL = _email.anymail

# --- Notifications ----------------------------------------------------------------------------
# An email that cannot be sent is tried again with doubling waits (30 s, 1 min, 2 min …) for this
# long after it was written, then marked failed for staff to resend from the admin.
MAIL_RETRY_FIRST_DELAY_SECONDS = env_int("MAIL_RETRY_FIRST_DELAY_SECONDS", 30)
MAIL_GIVE_UP_AFTER_SECONDS = env_int("MAIL_GIVE_UP_AFTER_SECONDS", 3600)
# A message claimed by a worker that died while sending is tried again after this long.
MAIL_SENDING_LEASE_SECONDS = env_int("MAIL_SENDING_LEASE_SECONDS", 300)
# Reminders before a session: the day before (only for sessions booked at least that far ahead) and
# when the room is about to open.
REMINDER_DAY_BEFORE_HOURS = env_int("REMINDER_DAY_BEFORE_HOURS", 24)
REMINDER_SOON_MINUTES = env_int("REMINDER_SOON_MINUTES", 10)
if min(MAIL_RETRY_FIRST_DELAY_SECONDS, MAIL_GIVE_UP_AFTER_SECONDS, MAIL_SENDING_LEASE_SECONDS,
       REMINDER_DAY_BEFORE_HOURS, REMINDER_SOON_MINUTES) < 1:
    raise ImproperlyConfigured("The MAIL_* and REMINDER_* settings must each be 1 or more.")

# --- Bookings ---------------------------------------------------------------------------------
HOLD_MINUTES = env_int("HOLD_MINUTES", 10)  # how long a pending booking holds its slot for payment
# A write that meets a locked row (core/locking.py) waits at most BOOKING_LOCK_TIMEOUT_SECONDS for it in
# one attempt (PostgreSQL's lock_timeout; on SQLite the busy wait), then lets go of everything and
# tries again after a random pause (full jitter) of up to BOOKING_RETRY_FIRST_DELAY_SECONDS, doubling
# each time up to BOOKING_RETRY_MAX_DELAY_SECONDS. Attempts and pauses together stop after
# BOOKING_RETRY_BUDGET_SECONDS: the request answers 503 `busy` with Retry-After
# BOOKING_BUSY_RETRY_AFTER_SECONDS. The budget stays at most half of DATABASE_POOL_TIMEOUT (its default
# is 3 s or that half, whichever is less; a larger one set by hand is refused below), so a request
# never keeps its pooled connection as long as the others queueing for one will wait.
BOOKING_RETRY_BUDGET_SECONDS = env_seconds("BOOKING_RETRY_BUDGET_SECONDS",
                                           min(3.0, env_int("DATABASE_POOL_TIMEOUT", 10) / 2))
BOOKING_LOCK_TIMEOUT_SECONDS = env_seconds("BOOKING_LOCK_TIMEOUT_SECONDS", min(1.0, BOOKING_RETRY_BUDGET_SECONDS))
BOOKING_RETRY_FIRST_DELAY_SECONDS = env_seconds("BOOKING_RETRY_FIRST_DELAY_SECONDS", 0.05)
BOOKING_RETRY_MAX_DELAY_SECONDS = env_seconds("BOOKING_RETRY_MAX_DELAY_SECONDS", 0.5)
BOOKING_BUSY_RETRY_AFTER_SECONDS = env_int("BOOKING_BUSY_RETRY_AFTER_SECONDS", 2)
if not 0 < BOOKING_LOCK_TIMEOUT_SECONDS <= BOOKING_RETRY_BUDGET_SECONDS:
    refuse_to_start("BOOKING_LOCK_TIMEOUT_SECONDS must be above 0 and at most BOOKING_RETRY_BUDGET_SECONDS.",
                    "One attempt's wait for a lock has to fit inside the whole retry budget: lower\n"
                    "BOOKING_LOCK_TIMEOUT_SECONDS (default 1) or raise BOOKING_RETRY_BUDGET_SECONDS (default 3).")
if not 0 < BOOKING_RETRY_FIRST_DELAY_SECONDS <= BOOKING_RETRY_MAX_DELAY_SECONDS or BOOKING_BUSY_RETRY_AFTER_SECONDS < 1:
    refuse_to_start("The booking retry pauses are out of order.",
                    "BOOKING_RETRY_FIRST_DELAY_SECONDS must be above 0 and at most BOOKING_RETRY_MAX_DELAY_SECONDS,\n"
                    "and BOOKING_BUSY_RETRY_AFTER_SECONDS 1 or more.")
MAX_HOLDS_PER_CUSTOMER = env_int("MAX_HOLDS_PER_CUSTOMER", 2)  # slots one customer may hold unpaid at once
CANCELLATION_WINDOW_HOURS = env_int("CANCELLATION_WINDOW_HOURS", 24)  # a customer's cancel refunds in full until then
MAX_RESCHEDULES = env_int("MAX_RESCHEDULES", 2)  # times one booking may be moved
# The session's room (and the "Join session" button) opens this many minutes before the start and
# closes this many minutes after the end.
SESSION_JOIN_OPENS_MINUTES = env_int("SESSION_JOIN_OPENS_MINUTES", 10)
SESSION_JOIN_GRACE_MINUTES = env_int("SESSION_JOIN_GRACE_MINUTES", 10)
# Serene's share of each session's price, in percent (decimals allowed: 12.5); the expert's
# earnings page shows gross, this fee (rounded half up to a whole paisa per session) and net.
try:
    PLATFORM_FEE_PERCENT = Decimal(os.environ.get("PLATFORM_FEE_PERCENT", "").strip() or "15")
except InvalidOperation:
    raise ImproperlyConfigured("PLATFORM_FEE_PERCENT must be a number from 0 to 100.") from None
if not PLATFORM_FEE_PERCENT.is_finite() or not 0 <= PLATFORM_FEE_PERCENT <= 100:
    raise ImproperlyConfigured("PLATFORM_FEE_PERCENT must be a number from 0 to 100.")

# --- Payments (Razorpay; the built-in emulator in development and tests) -----------------------
PAYMENTS_SANDBOX = env_bool("PAYMENTS_SANDBOX", DEBUG)
PAYMENT_GATEWAY = "serene.payments.razorpay.RazorpayGateway"
_sandbox_base = f"{SITE_URL}/sandbox/razorpay"
RAZORPAY_KEY_ID = os.environ.get("RAZORPAY_KEY_ID", "rzp_test_SereneSandbox1" if PAYMENTS_SANDBOX else "")
RAZORPAY_KEY_SECRET = os.environ.get("RAZORPAY_KEY_SECRET", "sandbox-key-secret" if PAYMENTS_SANDBOX else "")
RAZORPAY_WEBHOOK_SECRET = os.environ.get("RAZORPAY_WEBHOOK_SECRET", "sandbox-webhook-secret" if PAYMENTS_SANDBOX else "")
RAZORPAY_API_BASE = os.environ.get("RAZORPAY_API_BASE", _sandbox_base if PAYMENTS_SANDBOX else "https://api.razorpay.com")
RAZORPAY_CHECKOUT_JS = os.environ.get("RAZORPAY_CHECKOUT_JS", f"{_sandbox_base}/checkout.js" if PAYMENTS_SANDBOX
                                      else "https://checkout.razorpay.com/v1/checkout.js")
RAZORPAY_TIMEOUT_SECONDS = env_int("RAZORPAY_TIMEOUT_SECONDS", 10)
if not DEBUG:
    # The emulator takes any card and signs its own webhooks: outside debug it runs only when asked
    # for twice (benchmarks and the test suite do). A live key pair without the webhook secret would
    # leave every webhook unverifiable, so it is refused here rather than at the first payment.
    if PAYMENTS_SANDBOX and not env_bool("PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION", False):
        refuse_to_start("PAYMENTS_SANDBOX is on and DEBUG is off.",
                        "The Razorpay emulator accepts any test card, so no real money would be taken.\n"
                        "Set PAYMENTS_SANDBOX=false and the live RAZORPAY_* keys, or, for a benchmark or a\n"
                        "demo that must run without debug, also set PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION=true.")
    _razorpay = {"RAZORPAY_KEY_ID": RAZORPAY_KEY_ID, "RAZORPAY_KEY_SECRET": RAZORPAY_KEY_SECRET,
                 "RAZORPAY_WEBHOOK_SECRET": RAZORPAY_WEBHOOK_SECRET}
    _missing = [name for name, value in _razorpay.items() if not value]
    if _missing and len(_missing) < len(_razorpay):
        refuse_to_start(f"{' and '.join(_missing)} {'is' if len(_missing) == 1 else 'are'} not set, "
                        "but the other Razorpay settings are.",
                        "Payments need the key id, the key secret (Dashboard -> API keys) and the webhook\n"
                        "secret (Dashboard -> Webhooks; not the key secret). Without the webhook secret no\n"
                        "webhook can be verified. Set all three, or none to run without payments.")
# Emulator switches, so tests can prove the webhook handling: where webhooks go, and whether they
# are sent at all, dropped, duplicated, reordered or delayed.
RAZORPAY_SANDBOX_WEBHOOK_URL = os.environ.get("RAZORPAY_SANDBOX_WEBHOOK_URL", f"{SITE_URL}/api/v1/payments/webhook")
RAZORPAY_SANDBOX_WEBHOOKS_SEND = env_bool("RAZORPAY_SANDBOX_WEBHOOKS_SEND", True)
RAZORPAY_SANDBOX_WEBHOOK_DROP = env_bool("RAZORPAY_SANDBOX_WEBHOOK_DROP", False)
RAZORPAY_SANDBOX_WEBHOOK_DUPLICATE = env_bool("RAZORPAY_SANDBOX_WEBHOOK_DUPLICATE", False)
RAZORPAY_SANDBOX_WEBHOOK_REORDER = env_bool("RAZORPAY_SANDBOX_WEBHOOK_REORDER", False)
RAZORPAY_SANDBOX_WEBHOOK_DELAY_SECONDS = env_int("RAZORPAY_SANDBOX_WEBHOOK_DELAY_SECONDS", 0)
RAZORPAY_SANDBOX_WEBHOOK_MAX_ATTEMPTS = env_int("RAZORPAY_SANDBOX_WEBHOOK_MAX_ATTEMPTS", 5)
# Emulator: every refund fails (refund.failed). To fail only some, see /sandbox/razorpay/simulate/.
RAZORPAY_SANDBOX_REFUNDS_FAIL = env_bool("RAZORPAY_SANDBOX_REFUNDS_FAIL", False)
# Reconciliation asks the gateway about an order this long after its hold expires.
RECONCILE_AFTER_HOLD_SECONDS = env_int("RECONCILE_AFTER_HOLD_SECONDS", 60)
# A refund the gateway fails is asked for again, up to this many attempts; then staff are flagged.
REFUND_ATTEMPTS = env_int("REFUND_ATTEMPTS", 3)

# --- Background tasks -------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A task that fails for a passing reason (gateway unreachable, a lock timeout or deadlock) runs again
# after FIRST_DELAY, then FACTOR times longer each time (10, 30, 90 … s), up to MAX_ATTEMPTS in all:
# by default 7 attempts over about an hour, then it is logged as given up.
TASK_RETRY_MAX_ATTEMPTS = env_int("TASK_RETRY_MAX_ATTEMPTS", 7)
TASK_RETRY_FIRST_DELAY_SECONDS = env_int("TASK_RETRY_FIRST_DELAY_SECONDS", 10)
TASK_RETRY_BACKOFF_FACTOR = env_int("TASK_RETRY_BACKOFF_FACTOR", 3)
if TASK_RETRY_MAX_ATTEMPTS < 1 or TASK_RETRY_FIRST_DELAY_SECONDS < 1 or TASK_RETRY_BACKOFF_FACTOR < 1:
    raise ImproperlyConfigured("TASK_RETRY_MAX_ATTEMPTS, TASK_RETRY_FIRST_DELAY_SECONDS and TASK_RETRY_BACKOFF_FACTOR "
                               "must each be 1 or more.")
# What `manage.py run_scheduler` (the Procfile's scheduler) queues by itself: (task path, every so many
# seconds), and task paths queued once each time it starts. Add a job here, not to cron.
PAYMENTS_SWEEP_INTERVAL_SECONDS = env_int("PAYMENTS_SWEEP_INTERVAL_SECONDS", 180)
SCHEDULED_TASKS = [
    ("serene.payments.tasks.payments_sweep", PAYMENTS_SWEEP_INTERVAL_SECONDS),
    ("serene.bookings.tasks.bookings_complete_finished", env_int("COMPLETE_SESSIONS_INTERVAL_SECONDS", 300)),
    ("serene.bookings.tasks.bookings_expire_lapsed_holds", env_int("EXPIRE_HOLDS_INTERVAL_SECONDS", 60)),
    ("serene.payments.tasks.approvals_expire", env_int("APPROVAL_SWEEP_INTERVAL_SECONDS", 300)),
    ("serene.notifications.tasks.messages_deliver_due", env_int("MAIL_SWEEP_INTERVAL_SECONDS", 30)),
    ("serene.notifications.tasks.reminders_send_due", env_int("REMINDER_SWEEP_INTERVAL_SECONDS", 300)),
]
# A booking still awaiting the expert's approval this many hours before its start is declined by
# the system and refunded in full (the approvals_expire job above).
APPROVAL_DEADLINE_HOURS = env_int("APPROVAL_DEADLINE_HOURS", 2)
SCHEDULED_TASKS_AT_START = ["serene.payments.tasks.payments_sweep_after_restart"]
# The sweep re-drives a stored webhook event still unhandled this long after it arrived.
# The sweep asks the gateway about an unpaid order for this long after its hold ended.
OPEN_ORDER_SWEEP_HOURS = env_int("OPEN_ORDER_SWEEP_HOURS", 24)
WEBHOOK_REDRIVE_AFTER_SECONDS = env_int("WEBHOOK_REDRIVE_AFTER_SECONDS", 120)

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the small JS modules read it to call the JSON API
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"},
                # The scheduler logs what it queues itself; APScheduler's own lines repeat each run.
                "apscheduler": {"level": "WARNING"}},
}

# --- faster reads (bench) ---------------------------------------------------------------------
# "availability": each expert's parsed availability rules, per process (selectors.cached_rules). Its
# keys hold the expert's updated_at, which every rules change moves on, so it needs no shared store.
CACHES = {
    **globals().get("CACHES", {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}),
    "availability": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "serene-availability",
                     "TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 5000}},
}

# --- Customer dashboard -------------------------------------------------------------------------
# How many days ahead the reschedule page lists free times.
RESCHEDULE_DAYS_SHOWN = env_int("RESCHEDULE_DAYS_SHOWN", 14)

# --- Video ---------------------------------------------------------------------------------------
# The session room: the built-in one-to-one WebRTC call (Channels relays its signalling), or Jitsi.
INSTALLED_APPS += ["serene.video"]  # noqa: F405
ASGI_APPLICATION = "serene.asgi.application"
VIDEO_PROVIDER = os.environ.get("VIDEO_PROVIDER", "builtin").strip().lower() or "builtin"
if VIDEO_PROVIDER not in {"builtin", "jitsi"}:
    refuse_to_start(f"VIDEO_PROVIDER is {VIDEO_PROVIDER!r}.", "Set VIDEO_PROVIDER to builtin or jitsi.")


def _ice_servers_from_env() -> list[dict]:
    import json
    raw = os.environ.get("ICE_SERVERS", "").strip()
    if not raw:
        return []
    try:
        servers = json.loads(raw)
    except ValueError:
        servers = None
    if not isinstance(servers, list) or not all(isinstance(server, dict) and server.get("urls") for server in servers):
        refuse_to_start("ICE_SERVERS is not a JSON list of ICE servers.",
                        'Example: ICE_SERVERS=\'[{"urls": "stun:stun.example.com:3478"}]\'')
    return servers


# STUN (and static TURN) servers handed to browsers as RTCPeerConnection's iceServers.
ICE_SERVERS = _ice_servers_from_env()
# "relay" sends every call through TURN (hides people's addresses from each other); "all" lets them
# connect directly when they can.
ICE_TRANSPORT_POLICY = os.environ.get("ICE_TRANSPORT_POLICY", "all").strip().lower() or "all"
if ICE_TRANSPORT_POLICY not in {"all", "relay"}:
    refuse_to_start(f"ICE_TRANSPORT_POLICY is {ICE_TRANSPORT_POLICY!r}.", "Set it to all or relay.")
# coturn's TURN REST credentials (use-auth-secret / static-auth-secret): with a secret, each person
# gets a username "expiry:user id" and an HMAC-SHA1 password valid TURN_CREDENTIAL_TTL seconds.
TURN_SECRET = os.environ.get("TURN_SECRET", "")
TURN_URLS = env_list("TURN_URLS", [])
TURN_CREDENTIAL_TTL = env_int("TURN_CREDENTIAL_TTL", 3600)
if TURN_SECRET and not TURN_URLS:
    refuse_to_start("TURN_SECRET is set without TURN_URLS.",
                    "Set TURN_URLS, e.g. turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349")
if ICE_TRANSPORT_POLICY == "relay" and not TURN_URLS and not ICE_SERVERS:
    refuse_to_start("ICE_TRANSPORT_POLICY is relay but no TURN server is set.", "Set TURN_URLS and TURN_SECRET.")
# Jitsi: a room URL on JITSI_DOMAIN with a JWT (HS256, JITSI_APP_SECRET) for each participant.
JITSI_DOMAIN = os.environ.get("JITSI_DOMAIN", "").strip().strip("/")
JITSI_APP_ID = os.environ.get("JITSI_APP_ID", "")
JITSI_APP_SECRET = os.environ.get("JITSI_APP_SECRET", "")
if VIDEO_PROVIDER == "jitsi" and not (JITSI_DOMAIN and JITSI_APP_ID and JITSI_APP_SECRET):
    refuse_to_start("VIDEO_PROVIDER is jitsi but JITSI_DOMAIN, JITSI_APP_ID or JITSI_APP_SECRET is missing.",
                    "Set all three (the app id and secret are Prosody's token authentication settings).")
# The Channels layer carries a call's messages between web processes: Redis when REDIS_URL is set
# (needed with more than one process), else in memory (one process only).
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                                  "CONFIG": {"hosts": [REDIS_URL],
                                             "prefix": os.environ.get("CHANNEL_LAYER_PREFIX", "serene")}}}
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
# Serving (Procfile: HTTP in `web` through serene.wsgi, websockets in `ws`; docs/operations.md): the
# proxy addresses whose X-Forwarded-For names the client, as uvicorn reads the same variable.
FORWARDED_ALLOW_IPS = env_list("FORWARDED_ALLOW_IPS", ["127.0.0.1"])

# --- Production: connection pool, security headers, readiness, metrics and logs ---------------
# PostgreSQL connections come from Django's psycopg pool: each web or worker process keeps between
# DATABASE_POOL_MIN and DATABASE_POOL_MAX connections, and a request that finds all of them busy for
# DATABASE_POOL_TIMEOUT seconds answers 503 with Retry-After. DATABASE_POOL_MAX=0 turns the pool off
# (with PgBouncer in front, say; then DATABASE_CONN_MAX_AGE applies). The pool needs CONN_MAX_AGE 0.
DATABASE_POOL_MIN = env_int("DATABASE_POOL_MIN", 2)
DATABASE_POOL_MAX = env_int("DATABASE_POOL_MAX", 10)
DATABASE_POOL_TIMEOUT = env_int("DATABASE_POOL_TIMEOUT", 10)
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql") and DATABASE_POOL_MAX > 0:
    if not 0 <= DATABASE_POOL_MIN <= DATABASE_POOL_MAX or DATABASE_POOL_TIMEOUT < 1:
        raise ImproperlyConfigured("DATABASE_POOL_MIN must be from 0 to DATABASE_POOL_MAX, and DATABASE_POOL_TIMEOUT "
                                   "1 or more.")
    if DATABASES["default"].get("CONN_MAX_AGE"):
        refuse_to_start("DATABASE_CONN_MAX_AGE is above 0 while the connection pool is on.",
                        "The pool keeps connections itself: unset DATABASE_CONN_MAX_AGE, or set\n"
                        "DATABASE_POOL_MAX=0 to turn the pool off.")
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # CONN_HEALTH_CHECKS (on) makes the pool check each connection as it hands it out.
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": DATABASE_POOL_MIN, "max_size": DATABASE_POOL_MAX, "timeout": DATABASE_POOL_TIMEOUT}
    if BOOKING_RETRY_BUDGET_SECONDS * 2 > DATABASE_POOL_TIMEOUT:
        # A request retrying a lock keeps its pooled connection meanwhile; if it could keep it about as
        # long as a request queueing for a connection waits, a lock storm would turn into pool 503s.
        refuse_to_start("BOOKING_RETRY_BUDGET_SECONDS is more than half of DATABASE_POOL_TIMEOUT.",
                        "Keep the lock-retry budget well under the pool's wait: lower BOOKING_RETRY_BUDGET_SECONDS\n"
                        f"(now {BOOKING_RETRY_BUDGET_SECONDS:g}) or raise DATABASE_POOL_TIMEOUT (now {DATABASE_POOL_TIMEOUT}).")
# Retry-After (seconds) sent with a 503 for a busy pool.
DATABASE_POOL_RETRY_AFTER_SECONDS = env_int("DATABASE_POOL_RETRY_AFTER_SECONDS", 5)

# Content-Security-Policy (django-csp): scripts only from this site or with the page's nonce; the
# Razorpay Checkout hosts are added only on the pages that take a payment (serene.core.security).
from csp.constants import NONCE  # noqa: E402

INSTALLED_APPS += ["csp"]
MIDDLEWARE.insert(1, "serene.core.security.SecurityHeadersMiddleware")
MIDDLEWARE.insert(2, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(0, "serene.core.observability.RequestMetricsMiddleware")
TEMPLATES[0]["OPTIONS"]["context_processors"].append("csp.context_processors.nonce")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # Inline style attributes (bars, progress) and htmx's indicator style; no remote styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The hosts Razorpay Checkout loads from and talks to, added on the payment pages only (with the
# origins of RAZORPAY_CHECKOUT_JS and RAZORPAY_API_BASE, which is how the emulator gets in).
CSP_PAYMENT_HOSTS = env_list("CSP_PAYMENT_HOSTS", ["https://checkout.razorpay.com", "https://api.razorpay.com",
                                                   "https://lumberjack.razorpay.com"])

# Readiness: /readyz answers 200 while the database answers and a worker has run the heartbeat task
# (queued by the scheduler every WORKER_HEARTBEAT_INTERVAL_SECONDS) within READY_WORKER_MAX_AGE_SECONDS.
WORKER_HEARTBEAT_INTERVAL_SECONDS = env_int("WORKER_HEARTBEAT_INTERVAL_SECONDS", 60)
READY_WORKER_MAX_AGE_SECONDS = env_int("READY_WORKER_MAX_AGE_SECONDS", 300)
SCHEDULED_TASKS.append(("serene.core.tasks.worker_heartbeat", WORKER_HEARTBEAT_INTERVAL_SECONDS))

# Metrics at /metrics in Prometheus' text format: with METRICS_TOKEN set, for a request carrying
# "Authorization: Bearer <token>"; from the addresses in METRICS_ALLOWED_IPS; open to all only in debug.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", [])

# Logs: LOG_FORMAT=json writes one JSON object a line (for a log shipper); plain otherwise.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower() or "plain"
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}.")
LOGGING["formatters"]["json"] = {"()": "serene.core.logs.JsonFormatter"}
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT
# An expected answer (a 409 conflict, a 4xx AppError) is not a warning from django.request.
LOGGING.setdefault("filters", {})["expected_errors"] = {"()": "serene.core.logs.ExpectedErrorFilter"}
LOGGING["loggers"]["django.request"] = {"filters": ["expected_errors"]}
# With SECURE_SSL_REDIRECT on, the probes a load balancer sends over plain http are still answered.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- Receipts: the business that issues them (issue 11) -----------------------------------------
# Receipts name the business, its address and tax number. Prices are tax-inclusive: the receipt
# shows the tax contained in the price at TAX_RATE_PERCENT. In debug the demo values below stand in;
# outside debug the name defaults to the brand and the address and tax number must be set.
BUSINESS_NAME = os.environ.get("BUSINESS_NAME", "Serene Wellbeing Private Limited" if DEBUG else BRAND_NAME)
BUSINESS_ADDRESS = os.environ.get("BUSINESS_ADDRESS",
                                  "2nd floor, 14 Residency Road, Bengaluru 560025, Karnataka, India" if DEBUG else "")
BUSINESS_TAX_ID = os.environ.get("BUSINESS_TAX_ID", "29AAACS0000A1Z5 (demo)" if DEBUG else "")
try:
    TAX_RATE_PERCENT = Decimal(os.environ.get("TAX_RATE_PERCENT", "").strip() or "18")
except InvalidOperation:
    raise ImproperlyConfigured("TAX_RATE_PERCENT must be a number from 0 to 100.") from None
if not TAX_RATE_PERCENT.is_finite() or not 0 <= TAX_RATE_PERCENT <= 100:
    raise ImproperlyConfigured("TAX_RATE_PERCENT must be a number from 0 to 100.")
