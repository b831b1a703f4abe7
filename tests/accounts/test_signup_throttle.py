"""Sign-ups are throttled per address: past SIGNUP_LIMIT_PER_ADDRESS an hour the page answers 429."""
import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.utils import timezone

from serene.accounts.models import LoginFailure, User
from serene.accounts.services import user_create_customer
from serene.core.errors import TooManyAttempts

PASSWORD = "a-calm-evening-walk"


def _signup(email: str, address: str):
    return Client().post("/accounts/signup/", {"name": "Ravi", "email": email, "password": PASSWORD},
                         REMOTE_ADDR=address)


@pytest.mark.django_db
def test_the_sign_up_past_the_limit_gets_429_and_a_clear_message(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 3
    for number in range(3):
        assert _signup(f"person{number}@example.test", "203.0.113.5").status_code == 302
    refused = _signup("one-more@example.test", "203.0.113.5")
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Too many accounts have been created from your network in the last hour" in body
    assert "Please try again in 60 minutes" in body
    assert not User.objects.filter(email="one-more@example.test").exists()
    assert _signup("elsewhere@example.test", "198.51.100.7").status_code == 302


@pytest.mark.django_db
def test_sign_ups_open_again_after_the_hour(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 1
    assert _signup("first@example.test", "203.0.113.5").status_code == 302
    assert _signup("second@example.test", "203.0.113.5").status_code == 429
    an_hour_ago = timezone.now() - timedelta(hours=1, seconds=1)
    LoginFailure.objects.filter(key="signup:203.0.113.5").update(window_started_at=an_hour_ago,
                                                                  locked_until=timezone.now() - timedelta(seconds=1))
    assert _signup("second@example.test", "203.0.113.5").status_code == 302


@pytest.mark.django_db
def test_a_refused_sign_up_does_not_use_up_the_allowance(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 1
    User.objects.create_user(email="taken@example.test", password=PASSWORD, name="Taken")
    assert _signup("taken@example.test", "203.0.113.5").status_code == 400
    assert _signup("new@example.test", "203.0.113.5").status_code == 302


@pytest.mark.django_db
def test_ipv6_addresses_of_one_slash_64_share_one_allowance(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 2
    assert _signup("a@example.test", "2001:db8:1:2::1").status_code == 302
    assert _signup("b@example.test", "2001:db8:1:2:ffff::9").status_code == 302
    assert _signup("c@example.test", "2001:db8:1:2::abcd").status_code == 429
    assert _signup("d@example.test", "2001:db8:1:3::1").status_code == 302


@pytest.mark.django_db(transaction=True)
def test_sign_ups_racing_from_one_address_create_exactly_the_limit(settings):
    settings.SIGNUP_LIMIT_PER_ADDRESS = 3
    racers = 8
    barrier = threading.Barrier(racers)
    results = [None] * racers

    def worker(index):
        try:
            barrier.wait()
            user_create_customer(email=f"racer{index}@example.test", name="Racer", password=PASSWORD,
                                 address="203.0.113.77")
            results[index] = "created"
        except TooManyAttempts as error:
            results[index] = error.code
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            results[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert Counter(results) == {"created": 3, "too_many_attempts": 5}, results
    assert User.objects.filter(email__startswith="racer").count() == 3
