"""Email: who sends, through which backend (SMTP, a provider through django-anymail, or the mailbox
under var/mail/), and how the outbox retries and when reminders go out."""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from serene.core.email_config import EmailConfigError, email_config_from_env
from serene.settings.base import VAR_DIR
from serene.settings.env import env, refuse_to_start

BRAND_NAME = env.str("BRAND_NAME", "Serene")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", f"{BRAND_NAME} <noreply@serene.test>")
SUPPORT_EMAIL = env.str("SUPPORT_EMAIL", "support@serene.test")
EMAIL_HOST = env.str("EMAIL_HOST", "")
EMAIL_PORT = env.int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", True)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", 10)
# EMAIL_PROVIDER picks the backend: smtp, a provider through django-anymail (its key is required),
# or the mailbox, which keeps each message as an .eml under EMAIL_FILE_PATH (made by the mailbox as
# it writes), read at /dev/mail/ in debug. Unset, it is smtp when EMAIL_HOST is set and the mailbox
# otherwise. serene/core/email_config.py reads EMAIL_PROVIDER and each provider's own variables.
EMAIL_FILE_PATH = VAR_DIR / "mail"
try:
    _email = email_config_from_env(env.ENVIRON)
except EmailConfigError as exc:
    refuse_to_start(exc.problem, exc.advice)
EMAIL_PROVIDER = _email.provider
EMAIL_BACKEND = _email.backend
ANYMAIL = _email.anymail

# --- The outbox and reminders -------------------------------------------------------------------
# An email that cannot be sent is tried again with doubling waits (30 s, 1 min, 2 min …) for this
# long after it was written, then marked failed for staff to resend from the admin.
MAIL_RETRY_FIRST_DELAY_SECONDS = env.int("MAIL_RETRY_FIRST_DELAY_SECONDS", 30)
MAIL_GIVE_UP_AFTER_SECONDS = env.int("MAIL_GIVE_UP_AFTER_SECONDS", 3600)
# A message claimed by a worker that died while sending is tried again after this long.
MAIL_SENDING_LEASE_SECONDS = env.int("MAIL_SENDING_LEASE_SECONDS", 300)
# Reminders before a session: the day before (only for sessions booked at least that far ahead) and
# when the room is about to open.
REMINDER_DAY_BEFORE_HOURS = env.int("REMINDER_DAY_BEFORE_HOURS", 24)
REMINDER_SOON_MINUTES = env.int("REMINDER_SOON_MINUTES", 10)
if min(MAIL_RETRY_FIRST_DELAY_SECONDS, MAIL_GIVE_UP_AFTER_SECONDS, MAIL_SENDING_LEASE_SECONDS,
       REMINDER_DAY_BEFORE_HOURS, REMINDER_SOON_MINUTES) < 1:
    raise ImproperlyConfigured("The MAIL_* and REMINDER_* settings must each be 1 or more.")
