"""Parses the catalogue's query parameters, shared by the browse page and the JSON API.

Every bad value becomes an InvalidInput naming the parameter, so neither caller can 500 on it.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Mapping

from serene.core.errors import InvalidInput
from serene.core.money import format_money

from .models import Category, Language

SORTS = {
    "recommended": "Recommended",
    "price_asc": "Price: low to high",
    "price_desc": "Price: high to low",
    "rating": "Rating: high to low",
}
DEFAULT_PAGE_SIZE = 12
MAX_PAGE_SIZE = 50
MAX_QUERY_LENGTH = 100
MAX_PRICE = 10_000_000  # rupees


@dataclass(frozen=True)
class ExpertFilters:
    query: str = ""
    category: Category | None = None
    language: Language | None = None
    min_rate_minor: int | None = None
    max_rate_minor: int | None = None
    sort: str = "recommended"
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE

    @property
    def is_filtered(self) -> bool:
        return bool(self.query or self.category or self.language
                    or self.min_rate_minor is not None or self.max_rate_minor is not None)


def _price_to_minor(raw: str, name: str) -> int | None:
    raw = raw.strip().replace(",", "")
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise InvalidInput(f"{name} must be a number of rupees, such as 1500.", field=name) from None
    if not value.is_finite() or value < 0 or value > MAX_PRICE:
        raise InvalidInput(f"{name} must be between 0 and 1,00,00,000 rupees.", field=name)
    return int(value * 100)


def _positive_int(raw: str, name: str, default: int, maximum: int | None = None) -> int:
    raw = raw.strip()
    if raw == "":
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise InvalidInput(f"{name} must be a whole number of 1 or more.", field=name)
    value = int(raw)
    if maximum is not None and value > maximum:
        raise InvalidInput(f"{name} may be at most {maximum}.", field=name)
    return value


def expert_filters_parse(params: Mapping[str, str]) -> ExpertFilters:
    """Turn raw query parameters into ExpertFilters, or raise InvalidInput for the first bad one."""
    query = (params.get("q") or "").strip()
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(f"Search text may be at most {MAX_QUERY_LENGTH} characters.", field="q")

    category = None
    if category_slug := (params.get("category") or "").strip():
        category = Category.objects.filter(slug=category_slug).first()
        if category is None:
            raise InvalidInput(f"There is no category {category_slug!r}.", field="category")

    language = None
    if language_code := (params.get("language") or "").strip():
        language = Language.objects.filter(code=language_code).first()
        if language is None:
            raise InvalidInput(f"There is no language {language_code!r}.", field="language")

    min_rate = _price_to_minor(params.get("min_price") or "", "min_price")
    max_rate = _price_to_minor(params.get("max_price") or "", "max_price")
    if min_rate is not None and max_rate is not None and min_rate > max_rate:
        raise InvalidInput("min_price must not be more than max_price.", field="min_price")

    sort = (params.get("sort") or "recommended").strip()
    if sort not in SORTS:
        raise InvalidInput(f"sort must be one of: {', '.join(SORTS)}.", field="sort")

    return ExpertFilters(
        query=query, category=category, language=language, min_rate_minor=min_rate, max_rate_minor=max_rate,
        sort=sort, page=_positive_int(params.get("page") or "", "page", 1),
        page_size=_positive_int(params.get("page_size") or "", "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
    )


PRICE_FIELDS = ("min_price", "max_price")
PRICE_NAMES = {"min_price": "lowest", "max_price": "highest"}


def price_problem_words(error: InvalidInput, params: Mapping[str, str]) -> str:
    """A price error as a person would say it, for the words beside the price fields ("" if not a price error)."""
    if error.field not in PRICE_FIELDS:
        return ""
    low, high = (params.get("min_price") or "").strip(), (params.get("max_price") or "").strip()
    try:
        low_minor, high_minor = _price_to_minor(low, "min_price"), _price_to_minor(high, "max_price")
    except InvalidInput:
        return f"Enter the {PRICE_NAMES[error.field]} price as a whole number of rupees, such as 1500."
    if low_minor is not None and high_minor is not None and low_minor > high_minor:
        return (f"The lowest price ({format_money(low_minor, 'INR')}) is more than the highest "
                f"({format_money(high_minor, 'INR')}). "
                "Lower the first or raise the second.")
    return f"Enter the {PRICE_NAMES[error.field]} price as a whole number of rupees, such as 1500."


def active_filter_count(params: Mapping[str, str]) -> int:
    """How many filters narrow the list (a price range counts once), for the phone's Filters button."""
    count = sum(1 for name in ("category", "language") if (params.get(name) or "").strip())
    if any((params.get(name) or "").strip() for name in PRICE_FIELDS):
        count += 1
    return count
