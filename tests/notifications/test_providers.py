"""Which backend mail goes through: the mailbox, SMTP, or a provider through django-anymail.

Nothing here sends through a provider: the resolver is a pure function of an env mapping, and the
start-up checks only build the backend, which reads its key without calling out.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from serene.core.email_config import (MAILBOX_BACKEND, SMTP_BACKEND, EmailConfigError,
                                      email_config_from_env)

ROOT = Path(__file__).resolve().parents[2]


def test_nothing_set_keeps_mail_in_the_mailbox():
    config = email_config_from_env({})
    assert (config.provider, config.backend, config.anymail) == ("mailbox", MAILBOX_BACKEND, {})
    assert import_string(config.backend).__name__ == "MailboxBackend"


def test_an_smtp_host_alone_means_smtp():
    config = email_config_from_env({"EMAIL_HOST": "smtp.example.test"})
    assert (config.provider, config.backend) == ("smtp", SMTP_BACKEND)


def test_the_mailbox_can_be_asked_for_even_with_an_smtp_host():
    assert email_config_from_env({"EMAIL_PROVIDER": "mailbox", "EMAIL_HOST": "smtp.example.test"}).backend == MAILBOX_BACKEND


def test_smtp_named_without_a_host_is_refused():
    with pytest.raises(EmailConfigError, match="EMAIL_PROVIDER is smtp but EMAIL_HOST is not set"):
        email_config_from_env({"EMAIL_PROVIDER": "smtp"})


def test_sendgrid_with_its_key_resolves_to_anymails_sendgrid_backend():
    config = email_config_from_env({"EMAIL_PROVIDER": "sendgrid", "SENDGRID_API_KEY": "SG.test-key"})
    assert config.backend == "anymail.backends.sendgrid.EmailBackend"
    assert config.anymail == {"SENDGRID_API_KEY": "SG.test-key"}
    assert import_string(config.backend).__module__ == "anymail.backends.sendgrid"


@pytest.mark.parametrize("env", [{"EMAIL_PROVIDER": "sendgrid"}, {"EMAIL_PROVIDER": "sendgrid", "SENDGRID_API_KEY": "  "}])
def test_sendgrid_without_its_key_is_refused_by_name(env):
    with pytest.raises(ImproperlyConfigured, match="EMAIL_PROVIDER is sendgrid but SENDGRID_API_KEY is not set"):
        email_config_from_env(env)


def test_mailgun_takes_its_key_and_optional_domain_and_region():
    config = email_config_from_env({"EMAIL_PROVIDER": "mailgun", "MAILGUN_API_KEY": "key-1",
                                    "MAILGUN_SENDER_DOMAIN": "mg.serene.test",
                                    "MAILGUN_API_URL": "https://api.eu.mailgun.net/v3"})
    assert config.backend == "anymail.backends.mailgun.EmailBackend"
    assert config.anymail == {"MAILGUN_API_KEY": "key-1", "MAILGUN_SENDER_DOMAIN": "mg.serene.test",
                              "MAILGUN_API_URL": "https://api.eu.mailgun.net/v3"}
    assert email_config_from_env({"EMAIL_PROVIDER": "mailgun", "MAILGUN_API_KEY": "key-1"}).anymail == {
        "MAILGUN_API_KEY": "key-1"}
    with pytest.raises(EmailConfigError, match="MAILGUN_API_KEY is not set"):
        email_config_from_env({"EMAIL_PROVIDER": "mailgun", "MAILGUN_SENDER_DOMAIN": "mg.serene.test"})


def test_postmark_takes_its_server_token():
    config = email_config_from_env({"EMAIL_PROVIDER": "Postmark ", "POSTMARK_SERVER_TOKEN": "token-1"})
    assert (config.provider, config.backend) == ("postmark", "anymail.backends.postmark.EmailBackend")
    assert config.anymail == {"POSTMARK_SERVER_TOKEN": "token-1"}


def test_an_unknown_provider_is_refused_with_the_names_that_work():
    with pytest.raises(EmailConfigError) as error:
        email_config_from_env({"EMAIL_PROVIDER": "carrier-pigeon"})
    assert "EMAIL_PROVIDER 'carrier-pigeon' is not one Serene knows." in str(error.value)
    assert error.value.advice == "Use one of: mailbox, smtp, sendgrid, mailgun, postmark (or leave it empty)."


# --- Start-up: the settings stop with the same message, and anymail reads the keys it was given --------

def _start(env_overrides: dict, code: str = "") -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"DEBUG", "DATABASE_URL"} and not key.startswith(("EMAIL_", "SENDGRID_", "MAILGUN_", "POSTMARK_"))}
    env.update({"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "serene.settings", **env_overrides})
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); " + (code or "print('started')")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_start_up_stops_when_a_provider_has_no_key():
    result = _start({"EMAIL_PROVIDER": "sendgrid"})
    assert result.returncode != 0
    assert "Serene will not start: EMAIL_PROVIDER is sendgrid but SENDGRID_API_KEY is not set." in result.stderr
    assert "API Keys" in result.stderr


def test_start_up_stops_on_an_unknown_provider():
    result = _start({"EMAIL_PROVIDER": "sendgird", "SENDGRID_API_KEY": "SG.x"})
    assert result.returncode != 0
    assert "Serene will not start: EMAIL_PROVIDER 'sendgird' is not one Serene knows." in result.stderr


@pytest.mark.parametrize("env, attributes, expected", [
    ({"EMAIL_PROVIDER": "sendgrid", "SENDGRID_API_KEY": "SG.key"}, "c.api_key", "anymail.backends.sendgrid SG.key"),
    ({"EMAIL_PROVIDER": "mailgun", "MAILGUN_API_KEY": "mg-key", "MAILGUN_SENDER_DOMAIN": "mg.serene.test"},
     "c.api_key, c.sender_domain", "anymail.backends.mailgun mg-key mg.serene.test"),
    ({"EMAIL_PROVIDER": "postmark", "POSTMARK_SERVER_TOKEN": "pm-token"}, "c.server_token",
     "anymail.backends.postmark pm-token"),
    ({"EMAIL_HOST": "smtp.example.test"}, "c.host", "django.core.mail.backends.smtp smtp.example.test"),
    ({}, "c.directory.name", "serene.notifications.mailbox mail"),
])
def test_the_configured_backend_is_built_with_its_settings(env, attributes, expected):
    code = f"from django.core.mail import get_connection; c = get_connection(); print(type(c).__module__, {attributes})"
    result = _start(env, code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
