"""Account writes: sign-up, profile changes and the failed-login lock."""
from __future__ import annotations

import hashlib
import math
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from serene.core.errors import AppError, InvalidInput, TooManyAttempts
from serene.core.timezones import is_valid_time_zone

from .models import LoginFailure, Role, User


@transaction.atomic
def user_create_customer(*, email: str, name: str, password: str, time_zone: str = "",
                         phone: str = "") -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise InvalidInput("An account with this email already exists. Try signing in.", field="email")
    zone = time_zone if is_valid_time_zone(time_zone) else settings.DEFAULT_USER_TIME_ZONE
    return User.objects.create_user(email=email, name=name.strip(), password=password,
                                    time_zone=zone, phone=phone.strip(), role=Role.CUSTOMER)


@transaction.atomic
def user_update_profile(*, user: User, name: str, phone: str, time_zone: str) -> User:
    if not is_valid_time_zone(time_zone):
        raise InvalidInput(f"{time_zone!r} is not a time zone we know.", field="time_zone")
    user.name = name.strip()
    user.phone = phone.strip()
    user.time_zone = time_zone
    user.save(update_fields=["name", "phone", "time_zone"])
    return user


def _login_key(kind: str, value: str) -> str:
    """LoginFailure.key for an account or address; a value too long for the column is keyed by its digest."""
    key = f"{kind}:{value}"
    if len(key) <= LoginFailure._meta.get_field("key").max_length:
        return key
    return f"{kind}:sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def _login_keys(*, email: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(_login_key("account", email.strip().lower()), settings.LOGIN_FAILURE_LIMIT)]
    if address:
        keys.append((_login_key("address", address), settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    return keys


def login_check_allowed(*, email: str, address: str | None) -> None:
    """Raise TooManyAttempts while the account or the address is locked."""
    now = timezone.now()
    keys = [key for key, _ in _login_keys(email=email, address=address)]
    locked = LoginFailure.objects.filter(key__in=keys, locked_until__gt=now).order_by("-locked_until").first()
    if locked is not None:
        minutes = max(1, math.ceil((locked.locked_until - now).total_seconds() / 60))
        raise TooManyAttempts(
            f"Too many failed sign-in attempts. For your safety, sign-in is paused for "
            f"{minutes} more minute{'s' if minutes != 1 else ''}. You can also reset your password."
        )


@transaction.atomic
def login_record_failure(*, email: str, address: str | None) -> None:
    now = timezone.now()
    window = timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    for key, limit in _login_keys(email=email, address=address):
        record, _ = LoginFailure.objects.select_for_update().get_or_create(key=key)
        if now - record.window_started_at > window:
            record.failures = 0
            record.window_started_at = now
        record.failures += 1
        if record.failures >= limit:
            record.locked_until = now + window
        record.save()


def login_record_success(*, email: str) -> None:
    LoginFailure.objects.filter(key=_login_key("account", email.strip().lower())).delete()


class InvalidCredentials(AppError):
    status = 401
    code = "invalid_credentials"
    default_message = "That email and password do not match an account. Check both and try again."


def login_attempt(*, request: HttpRequest | None, email: str, password: str, address: str | None) -> User:
    """The user these credentials belong to, counting failures toward the lock (page and API alike).

    Raises TooManyAttempts while the account or address is locked, InvalidCredentials otherwise.
    """
    email = email.strip().lower()
    login_check_allowed(email=email, address=address)
    user = authenticate(request, username=email, password=password)
    if user is None:
        login_record_failure(email=email, address=address)
        raise InvalidCredentials()
    login_record_success(email=email)
    return user
