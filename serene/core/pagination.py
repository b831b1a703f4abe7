"""Keyset pages: a list that grows with a practice is read one bounded page at a time.

A page is ordered by a datetime column and the primary key (which breaks ties), and the next page
starts after the last row shown: `WHERE (at, id) > (last_at, last_id)` (or `<` when newest come
first). Unlike OFFSET, the cost of a page does not grow with how far back it is, and a row written
meanwhile neither repeats nor skips a row on the following page. With an index on (owner, at) the
database reads exactly `limit + 1` rows, the extra one telling whether there is a next page.

The cursor is opaque to clients: URL-safe base64 of the last row's (at, id). A cursor that cannot
be read is bad input (InvalidInput, a 400 on the API and a plain message on pages), never a 500.
"""
from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db.models import Q, QuerySet

from .errors import InvalidInput

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
CURSOR_MAX_LENGTH = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None  # None on the last page

    @property
    def has_next(self) -> bool:
        return self.next_cursor is not None


def cursor_encode(at: datetime, pk: int) -> str:
    raw = json.dumps([at.isoformat(), pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str, *, field: str = "cursor") -> tuple[datetime, int]:
    problem = InvalidInput("This list's position could not be read; start again from its first page.", field=field)
    if len(cursor) > CURSOR_MAX_LENGTH:
        raise problem
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at_text, pk = json.loads(raw)
        at = datetime.fromisoformat(at_text)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise problem from None
    if not isinstance(pk, int) or isinstance(pk, bool) or at.tzinfo is None:
        raise problem
    return at, pk


def limit_from(value: int | str | None, *, default: int = DEFAULT_LIMIT, field: str = "limit") -> int:
    if value is None or value == "":
        return default
    try:
        limit = int(value)
    except (TypeError, ValueError):
        raise InvalidInput(f"{field} must be a whole number from 1 to {MAX_LIMIT}.", field=field) from None
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"{field} must be a whole number from 1 to {MAX_LIMIT}.", field=field)
    return limit


def keyset_page(queryset: QuerySet, *, key: str, newest_first: bool, cursor: str | None = None,
                limit: int = DEFAULT_LIMIT, field: str = "cursor") -> Page:
    """One page of `queryset` ordered by (key, pk), ascending or newest first, after `cursor`."""
    if cursor:
        at, pk = cursor_decode(cursor, field=field)
        later = "lt" if newest_first else "gt"
        queryset = queryset.filter(Q(**{f"{key}__{later}": at}) | Q(**{key: at, f"pk__{later}": pk}))
    sign = "-" if newest_first else ""
    rows = list(queryset.order_by(f"{sign}{key}", f"{sign}pk")[:limit + 1])
    if len(rows) <= limit:
        return Page(items=rows, next_cursor=None)
    last = rows[limit - 1]
    return Page(items=rows[:limit], next_cursor=cursor_encode(getattr(last, key), last.pk))


@dataclass(frozen=True)
class ListedPage(Generic[T]):
    """What a list page shows: the page, whether it is the first, and why the asked-for one was not
    shown (a cursor that could not be read: the page then answers 400 with the first page)."""
    page: Page[T]
    first_page: bool
    error: str | None = None

    @property
    def status(self) -> int:
        return 400 if self.error else 200


def page_after(read: Callable[[str | None], Page[T]], cursor: str | None) -> ListedPage[T]:
    """The page `read` gives after `cursor`, or its first page, with the reason, when the cursor
    cannot be read: a list page's one way of answering bad positions, never a 500."""
    if not cursor:
        return ListedPage(page=read(None), first_page=True)
    try:
        return ListedPage(page=read(cursor), first_page=False)
    except InvalidInput as problem:
        return ListedPage(page=read(None), first_page=True, error=problem.message)
