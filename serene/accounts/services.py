"""Account writes: sign-up, profile changes, and the attempt counters that lock out failed-login
guessing and mass sign-ups."""
from __future__ import annotations

import ipaddress
import hashlib
import math
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from serene.core.errors import AppError, InvalidInput, TooManyAttempts
from serene.core.text import plain_text
from serene.core.timezones import time_zone_or_none

from .models import LoginFailure, Role, User


SIGNUP_WINDOW = timedelta(hours=1)


def _signup_key(address: str) -> str:
    """One key per address; IPv6 by its /64, which one subscriber usually holds whole."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"signup:{address}"
    if ip.version == 6:
        return f"signup:{ipaddress.ip_network(f'{ip}/64', strict=False)}"
    return f"signup:{ip}"


def _person_name(name: str) -> str:
    """A name as others will read it (core.text.plain_text), or InvalidInput when nothing visible is left."""
    name = plain_text(name)
    if not name:
        raise InvalidInput("Please tell us your name.", field="name")
    return name


@transaction.atomic
def user_create_customer(*, email: str, name: str, password: str, time_zone: str = "",
                         phone: str = "", address: str | None = None) -> User:
    """A new customer account. From one address at most SIGNUP_LIMIT_PER_ADDRESS an hour: the
    counter's row stays locked until commit, so sign-ups racing from one address count one by one."""
    email = email.strip().lower()
    name = _person_name(name)
    counter = _attempt_counter(_signup_key(address)) if address else None
    if counter is not None:
        _refuse_while_locked(counter, "Too many accounts have been created from your network in the last hour. "
                                      "Please try again in {minutes} minute{s}, or log in if you already have "
                                      "an account.")
    taken = InvalidInput("An account with this email already exists. Try signing in.", field="email")
    if User.objects.filter(email__iexact=email).exists():
        raise taken
    zone = time_zone_or_none(time_zone) or settings.DEFAULT_USER_TIME_ZONE
    try:
        with transaction.atomic():  # a savepoint: two sign-ups with one email at once meet at the unique index
            user = User.objects.create_user(email=email, name=name, password=password,
                                            time_zone=zone, phone=phone.strip(), role=Role.CUSTOMER)
    except IntegrityError:
        raise taken from None
    if counter is not None:
        _attempt_count(counter, limit=settings.SIGNUP_LIMIT_PER_ADDRESS, window=SIGNUP_WINDOW)
    return user


@transaction.atomic
def user_demo_ensure(*, email: str, name: str, password: str, role: str, time_zone: str, phone: str = "",
                     superuser: bool = False) -> User:
    """A demo login of seed_demo: the account with this email, or a new one (no sign-up throttle: the
    platform makes it, not a visitor). A superuser is made staff and superuser if it is not yet."""
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email.strip().lower(), password=password, name=name, role=role,
                                        time_zone=time_zone, phone=phone)
    if superuser and not (user.is_staff and user.is_superuser):
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    return user


@transaction.atomic
def user_update_profile(*, user: User, name: str, phone: str, time_zone: str) -> User:
    zone = time_zone_or_none(time_zone)
    if zone is None:
        raise InvalidInput(f"{time_zone!r} is not a time zone we know.", field="time_zone")
    user.name = _person_name(name)
    user.phone = phone.strip()
    user.time_zone = zone
    user.save(update_fields=["name", "phone", "time_zone"])
    return user


# --- Attempt counters: one row per key, counted in a window, locked for a while at the limit -------

def _attempt_counter(key: str) -> LoginFailure:
    """The key's counter, row-locked until the transaction ends (call inside one)."""
    counter, _ = LoginFailure.objects.select_for_update().get_or_create(key=key)
    return counter


def _attempt_count(counter: LoginFailure, *, limit: int, window: timedelta) -> None:
    """One more attempt in the counter's window; at the limit the key is locked for one window."""
    now = timezone.now()
    if now - counter.window_started_at > window:
        counter.failures = 0
        counter.window_started_at = now
    counter.failures += 1
    if counter.failures >= limit:
        counter.locked_until = now + window
    counter.save()


def _refuse_while_locked(counter: LoginFailure, message: str) -> None:
    """TooManyAttempts while the key is locked; message may use {minutes} and {s} (the plural)."""
    now = timezone.now()
    if counter.locked_until is not None and counter.locked_until > now:
        minutes = max(1, math.ceil((counter.locked_until - now).total_seconds() / 60))
        raise TooManyAttempts(message.format(minutes=minutes, s="s" if minutes != 1 else ""))
def _login_key(kind: str, value: str) -> str:
    """LoginFailure.key for an account or address; a value too long for the column is keyed by its digest."""
    key = f"{kind}:{value}"
    if len(key) <= cast(int, LoginFailure._meta.get_field("key").max_length):  # a CharField's is required
        return key
    return f"{kind}:sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def _login_keys(*, email: str, address: str | None) -> list[tuple[str, int]]:
    keys = [(_login_key("account", email.strip().lower()), settings.LOGIN_FAILURE_LIMIT)]
    if address:
        keys.append((_login_key("address", address), settings.LOGIN_FAILURE_LIMIT_PER_ADDRESS))
    return keys


def login_check_allowed(*, email: str, address: str | None) -> None:
    """Raise TooManyAttempts while the account or the address is locked."""
    keys = [key for key, _ in _login_keys(email=email, address=address)]
    locked = (LoginFailure.objects.filter(key__in=keys, locked_until__gt=timezone.now())
              .order_by("-locked_until").first())
    if locked is not None:
        _refuse_while_locked(locked, "Too many failed sign-in attempts. For your safety, sign-in is paused for "
                                     "{minutes} more minute{s}. You can also reset your password.")


@transaction.atomic
def login_record_failure(*, email: str, address: str | None) -> None:
    window = timedelta(minutes=settings.LOGIN_LOCK_MINUTES)
    for key, limit in _login_keys(email=email, address=address):
        _attempt_count(_attempt_counter(key), limit=limit, window=window)


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


def session_sign_in(*, request: HttpRequest, user: User) -> None:
    """Start the user's session (Django's login, which also records `last_login` on the user)."""
    login(request, user, backend=getattr(user, "backend", None) or "django.contrib.auth.backends.ModelBackend")


def session_sign_out(*, request: HttpRequest) -> None:
    logout(request)
