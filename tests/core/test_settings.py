"""Start-up settings: production stops on a missing SECRET_KEY, the emulator or a half-set Razorpay
configuration, and the SQLite defaults are safe."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def _run_settings(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"} and not key.startswith(("PAYMENTS_", "RAZORPAY_"))}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "serene.settings"
    return subprocess.run([sys.executable, "-c", "import django; django.setup(); print('started')"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_missing_secret_key_without_debug_stops_start_up_with_a_clear_message():
    result = _run_settings({})
    assert result.returncode != 0
    assert "SECRET_KEY is not set and DEBUG is off" in result.stderr


def test_debug_mode_starts_without_a_secret_key():
    result = _run_settings({"DEBUG": "true"})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_a_malformed_boolean_is_refused_with_its_name():
    result = _run_settings({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


PRODUCTION = {"SECRET_KEY": "x" * 50}
LIVE_KEYS = {"RAZORPAY_KEY_ID": "rzp_live_Example000001", "RAZORPAY_KEY_SECRET": "live-key-secret"}


def test_production_without_payment_keys_starts():
    result = _run_settings(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_refuses_the_emulator_with_a_clear_message():
    result = _run_settings({**PRODUCTION, "PAYMENTS_SANDBOX": "true"})
    assert result.returncode != 0
    assert "Serene will not start: PAYMENTS_SANDBOX is on and DEBUG is off." in result.stderr
    assert "PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION=true" in result.stderr


def test_production_runs_the_emulator_only_when_deliberately_allowed():
    result = _run_settings({**PRODUCTION, "PAYMENTS_SANDBOX": "true", "PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION": "true"})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_debug_mode_runs_the_emulator_without_the_extra_setting():
    result = _run_settings({"DEBUG": "true", "PAYMENTS_SANDBOX": "true"})
    assert result.returncode == 0, result.stderr


def test_production_refuses_live_keys_without_a_webhook_secret():
    result = _run_settings({**PRODUCTION, **LIVE_KEYS})
    assert result.returncode != 0
    assert ("Serene will not start: RAZORPAY_WEBHOOK_SECRET is not set, but the other Razorpay settings are."
            in result.stderr)


def test_production_refuses_a_webhook_secret_without_the_key_pair():
    result = _run_settings({**PRODUCTION, "RAZORPAY_WEBHOOK_SECRET": "whsec"})
    assert result.returncode != 0
    assert "RAZORPAY_KEY_ID and RAZORPAY_KEY_SECRET are not set" in result.stderr


def test_production_starts_with_the_full_razorpay_configuration():
    result = _run_settings({**PRODUCTION, **LIVE_KEYS, "RAZORPAY_WEBHOOK_SECRET": "webhook-secret"})
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


def test_production_turns_on_secure_cookies_and_hsts():
    code = ("from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.DEBUG)")
    env = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "DATABASE_URL"}}
    env.update(SECRET_KEY="x" * 50, DJANGO_SETTINGS_MODULE="serene.settings")
    result = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["True", "True", "True", "False"], result.stderr


@pytest.mark.sqlite
@pytest.mark.django_db
def test_sqlite_runs_in_wal_mode_with_immediate_transactions():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert connection.settings_dict["OPTIONS"]["timeout"] > 0


def test_importing_the_settings_makes_no_folder_and_start_up_makes_the_ones_it_needs(tmp_path):
    var = tmp_path / "var"
    code = ("import pathlib, sys; import serene.settings; var = pathlib.Path(sys.argv[1]); print(var.exists()); "
            "import django; django.setup(); print(var.is_dir(), (var / 'static').is_dir())")
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "STATIC_ROOT"}}
    env.update(DEBUG="true", SERENE_VAR_DIR=str(var), DJANGO_SETTINGS_MODULE="serene.settings")
    result = subprocess.run([sys.executable, "-c", code, str(var)], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.stdout.split() == ["False", "True", "True"], result.stderr


def test_production_hashes_passwords_with_argon2():
    from serene.settings_test import PRODUCTION_PASSWORD_HASHERS
    assert PRODUCTION_PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def _lock_settings(env_overrides: dict) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("BOOKING_", "DATABASE_", "SECRET_KEY", "DEBUG"))}
    env.update({"DEBUG": "true", "DJANGO_SETTINGS_MODULE": "serene.settings", **env_overrides})
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.BOOKING_LOCK_TIMEOUT_SECONDS, s.BOOKING_RETRY_BUDGET_SECONDS)")
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def test_the_lock_retry_budget_stays_well_under_the_pools_wait():
    postgres = {"DATABASE_URL": "postgresql://serene@db.invalid:5432/serene"}
    assert _lock_settings(postgres).stdout.split() == ["1.0", "3.0"]  # the defaults, under a 10 s pool wait
    # A shorter pool wait brings the default budget (and the attempt's wait) down with it ...
    assert _lock_settings({**postgres, "DATABASE_POOL_TIMEOUT": "1"}).stdout.split() == ["0.5", "0.5"]
    # ... and a budget set by hand above half of it is refused, as is an attempt longer than the budget.
    refused = _lock_settings({**postgres, "DATABASE_POOL_TIMEOUT": "4", "BOOKING_RETRY_BUDGET_SECONDS": "3"})
    assert refused.returncode != 0 and "BOOKING_RETRY_BUDGET_SECONDS is more than half of DATABASE_POOL_TIMEOUT" \
        in refused.stderr
    refused = _lock_settings({"BOOKING_LOCK_TIMEOUT_SECONDS": "5"})
    assert refused.returncode != 0 and "at most BOOKING_RETRY_BUDGET_SECONDS" in refused.stderr
    refused = _lock_settings({"BOOKING_RETRY_FIRST_DELAY_SECONDS": "soon"})
    assert refused.returncode != 0 and "must be a number of seconds" in refused.stderr
    assert _lock_settings({"BOOKING_LOCK_TIMEOUT_SECONDS": "0.25"}).stdout.split() == ["0.25", "3.0"]


@pytest.mark.parametrize("site_url", ["http://0.0.0.0:9000", "http://[::]:9000"])
def test_a_wildcard_site_url_warns_at_start_up_and_says_what_to_set(site_url):
    """Listening on every address (make run HOST=0.0.0.0) is no address to send a browser or an email to."""
    result = _run_settings({"DEBUG": "true", "SITE_URL": site_url})
    assert result.returncode == 0 and "started" in result.stdout
    assert f"SITE_URL is {site_url}, an address a server listens on" in result.stderr
    assert "Set SITE_URL to the address people open" in result.stderr
    quiet = _run_settings({"DEBUG": "true", "SITE_URL": "http://192.168.1.20:9000"})
    assert "Serene warning" not in quiet.stderr


@pytest.mark.parametrize("host, site_url, stops", [("0.0.0.0", "", True), ("::", "", True),
                                                  ("0.0.0.0", "http://192.168.1.20:9000", False),
                                                  ("127.0.0.1", "", False)])
def test_make_run_on_every_address_needs_site_url_before_it_does_anything(host, site_url, stops):
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"}
    arguments = ["make", "--no-print-directory", "site-url", f"HOST={host}", "PORT=9000"]
    if site_url:
        arguments.append(f"SITE_URL={site_url}")
    result = subprocess.run(arguments, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert (result.returncode != 0) == stops, result
    if stops:
        assert f"make run HOST={host} PORT=9000 SITE_URL=http://<this machine's address>:9000" in result.stdout
