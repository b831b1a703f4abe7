"""Which email backend Serene sends through, decided from the environment.

A pure function of an env mapping, so serene/settings/email.py stays one call and tests need no subprocess.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured

# Headers every email Serene writes by itself carries (all of them: none is written by a person).
# RFC 3834: "auto-generated" tells auto-responders (vacation replies) not to answer.
AUTOMATIC_EMAIL_HEADERS = {"Auto-Submitted": "auto-generated"}

MAILBOX_BACKEND = "serene.notifications.mailbox.MailboxBackend"
SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"


@dataclass(frozen=True)
class Provider:
    """An email service reached through django-anymail, configured by its own variables."""

    backend: str
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    where_to_find: str = ""


# Variables keep anymail's own names, so its documentation applies as it is.
PROVIDERS: dict[str, Provider] = {
    "sendgrid": Provider(backend="anymail.backends.sendgrid.EmailBackend", required=("SENDGRID_API_KEY",),
                         where_to_find="SendGrid: Settings -> API Keys (a key with Mail Send access)."),
    "mailgun": Provider(backend="anymail.backends.mailgun.EmailBackend", required=("MAILGUN_API_KEY",),
                        optional=("MAILGUN_SENDER_DOMAIN", "MAILGUN_API_URL"),
                        where_to_find="Mailgun: Sending -> Domain settings -> Sending API keys."),
    "postmark": Provider(backend="anymail.backends.postmark.EmailBackend", required=("POSTMARK_SERVER_TOKEN",),
                         where_to_find="Postmark: your server -> API Tokens -> Server API token."),
}
KNOWN_NAMES = ("mailbox", "smtp", *PROVIDERS)
# Every variable email_config_from_env reads (the README's table lists each; tests/core/test_settings_readme.py).
VARIABLES = ("EMAIL_PROVIDER", "EMAIL_HOST",
             *(name for provider in PROVIDERS.values() for name in (*provider.required, *provider.optional)))


class EmailConfigError(ImproperlyConfigured):
    """A setting that would leave mail undeliverable; `advice` says what to set."""

    def __init__(self, problem: str, advice: str) -> None:
        self.problem = problem
        self.advice = advice
        super().__init__(problem)


@dataclass(frozen=True)
class EmailConfig:
    provider: str
    backend: str
    anymail: dict[str, str] = field(default_factory=dict)  # the ANYMAIL setting; empty unless a provider


def _value(env: Mapping[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def email_config_from_env(env: Mapping[str, str]) -> EmailConfig:
    """EMAIL_PROVIDER unset: SMTP when EMAIL_HOST is set, else the mailbox under EMAIL_FILE_PATH."""
    name = _value(env, "EMAIL_PROVIDER").lower()
    if not name:
        name = "smtp" if _value(env, "EMAIL_HOST") else "mailbox"
    if name == "mailbox":
        return EmailConfig(provider=name, backend=MAILBOX_BACKEND)
    if name == "smtp":
        if not _value(env, "EMAIL_HOST"):
            raise EmailConfigError("EMAIL_PROVIDER is smtp but EMAIL_HOST is not set.",
                                   "Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD) to your SMTP\n"
                                   "server, or leave EMAIL_PROVIDER empty to keep messages in the mailbox under var/mail/.")
        return EmailConfig(provider=name, backend=SMTP_BACKEND)
    provider = PROVIDERS.get(name)
    if provider is None:
        raise EmailConfigError(f"EMAIL_PROVIDER {env.get('EMAIL_PROVIDER')!r} is not one Serene knows.",
                               f"Use one of: {', '.join(KNOWN_NAMES)} (or leave it empty).")
    missing = [variable for variable in provider.required if not _value(env, variable)]
    if missing:
        raise EmailConfigError(f"EMAIL_PROVIDER is {name} but {' and '.join(missing)} "
                               f"{'is' if len(missing) == 1 else 'are'} not set.",
                               f"Without it no email can be sent. {provider.where_to_find}")
    anymail = {variable: _value(env, variable) for variable in (*provider.required, *provider.optional)
               if _value(env, variable)}
    return EmailConfig(provider=name, backend=provider.backend, anymail=anymail)
