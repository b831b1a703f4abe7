"""Repeated failed log-ins lock the account (or the address) for a while, with a message."""
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.accounts.models import LoginFailure
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def _login(client, email, password, address="10.0.0.1"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=address)


def test_five_failures_lock_the_account_even_for_the_right_password(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 5
    UserFactory(email="asha@example.test")
    for _ in range(4):
        response = _login(client, "asha@example.test", "wrong-password")
        assert "do not match an account" in response.content.decode()
    response = _login(client, "asha@example.test", "wrong-password")
    assert response.status_code == 200
    response = _login(client, "asha@example.test", TEST_PASSWORD)
    body = response.content.decode()
    assert "Too many failed sign-in attempts" in body and "15 more minutes" in body
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_its_time(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    UserFactory(email="asha@example.test")
    _login(client, "asha@example.test", "wrong")
    _login(client, "asha@example.test", "wrong")
    LoginFailure.objects.update(locked_until=timezone.now() - timedelta(seconds=1))
    response = _login(client, "asha@example.test", TEST_PASSWORD)
    assert response.status_code == 302
    assert not LoginFailure.objects.filter(key="account:asha@example.test").exists()


def test_many_failures_from_one_address_lock_that_address_across_accounts(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 100
    settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS = 3
    UserFactory(email="victim@example.test")
    for number in range(3):
        _login(client, f"guess{number}@example.test", "wrong", address="203.0.113.9")
    locked = _login(client, "victim@example.test", TEST_PASSWORD, address="203.0.113.9")
    assert "Too many failed sign-in attempts" in locked.content.decode()
    allowed = _login(client, "victim@example.test", TEST_PASSWORD, address="198.51.100.7")
    assert allowed.status_code == 302
