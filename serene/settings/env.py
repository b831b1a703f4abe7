"""The one reader of the environment for every setting: django-environ's Env, held to the rules the
settings have always kept, and `refuse_to_start` for a configuration that cannot work."""
from __future__ import annotations

import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class NotValid(ValueError):
    """A value a cast refuses; its text finishes the sentence that starts with the variable's name."""


def parse_bool(raw: str) -> bool:
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise NotValid(f"must be true or false, not {raw!r}.")


def parse_whole_number(raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise NotValid(f"must be a whole number, not {raw!r}.") from None


def parse_seconds(raw: str) -> float:
    """A duration in seconds, decimals allowed (0.5); never negative."""
    try:
        value = float(raw)
    except ValueError:
        raise NotValid(f"must be a number of seconds, not {raw!r}.") from None
    if not 0 <= value < float("inf"):
        raise NotValid(f"must be 0 or more seconds, not {raw!r}.")
    return value


def parse_percent(raw: str) -> Decimal:
    """A share in percent, decimals allowed (12.5), from 0 to 100."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise NotValid("must be a number from 0 to 100.") from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise NotValid("must be a number from 0 to 100.")
    return value


def parse_comma_list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


class Env(environ.Env):
    """django-environ's Env (`env.str`, `env.bool`, `env.int`, `env.list`, plus `env.seconds` and
    `env.percent`), with the casts Serene's settings had before they used it, where the library's own
    are looser:

    - a value is taken as it is written: one that starts with "$" is not the name of another variable
      to read instead (django-environ's proxy), since a secret key or a password may start so;
    - a switch, a number or a list left blank takes its default; a text is taken even when empty;
    - a value that is not what the setting needs (a switch "maybe", a whole number "1.5") stops
      start-up with the variable's name, where django-environ would read "maybe" as false and drop
      the letters from a number;
    - a list's items are stripped and the empty ones dropped ("a, b," is ["a", "b"]).
    """

    def get_value(self, var: str, cast: Any = None, default: Any = environ.Env.NOTSET,
                  parse_default: bool = False) -> Any:
        raw = self.ENVIRON.get(var)
        if raw is None or (cast not in (None, str) and not raw.strip()):
            if default is self.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable.")
            return default
        try:
            return self.parse_value(raw, cast)
        except NotValid as refusal:
            raise ImproperlyConfigured(f"{var} {refusal}") from None

    @classmethod
    def parse_value(cls, value: str, cast: Any) -> Any:
        parsers: dict[Any, Callable[[str], Any]] = {bool: parse_bool, int: parse_whole_number, list: parse_comma_list}
        if cast in parsers:
            return parsers[cast](value)
        return super().parse_value(value, cast)

    def seconds(self, var: str, default: float) -> float:
        return self.get_value(var, cast=parse_seconds, default=default)

    def percent(self, var: str, default: Decimal) -> Decimal:
        return self.get_value(var, cast=parse_percent, default=default)


env = Env()


def refuse_to_start(problem: str, advice: str) -> NoReturn:
    """Stop start-up with a message a person deploying Serene can act on."""
    sys.stderr.write(f"\nSerene will not start: {problem}\n{advice}\n\n")
    raise ImproperlyConfigured(problem)


def warn_at_start(problem: str, advice: str) -> None:
    """Say at start-up (every process) what will not work as configured, and how to fix it."""
    sys.stderr.write(f"\nSerene warning: {problem}\n{advice}\n\n")


# Addresses a server listens on, never one a browser can be sent to.
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]"})


def site_url_problem(site_url: str) -> str:
    """Why SITE_URL cannot be the public address ("" when it can): a wildcard bind address."""
    from urllib.parse import urlsplit
    host = urlsplit(site_url).hostname or ""
    if host in WILDCARD_HOSTS or f"[{host}]" in WILDCARD_HOSTS:
        return (f"SITE_URL is {site_url}, an address a server listens on, not one a browser can open: pages would "
                "load Razorpay Checkout from it (blocked from any other machine) and emails would link to it.")
    return ""
