"""Reads of the expert catalogue."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, Max, OuterRef, Prefetch, Q, QuerySet

from serene.accounts.models import User
from serene.core.errors import InvalidInput, NotFound

from .filters import ExpertFilters
from .models import Category, Expert, Language

ORDERINGS = {
    "recommended": ("-rating_average", "-rating_count", "user__name"),
    "price_asc": ("hourly_rate_minor", "user__name"),
    "price_desc": ("-hourly_rate_minor", "user__name"),
    "rating": ("-rating_average", "-rating_count", "user__name"),
}


@dataclass(frozen=True)
class ExpertPage:
    experts: list[Expert]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def _active_experts() -> QuerySet[Expert]:
    return (Expert.objects.filter(is_active=True, user__is_active=True)
            .select_related("user", "category")
            .prefetch_related(Prefetch("languages", queryset=Language.objects.order_by("name"))))


def expert_list(*, filters: ExpertFilters) -> ExpertPage:
    experts = _active_experts()
    if filters.query:
        for word in filters.query.split()[:6]:
            experts = experts.filter(Q(user__name__icontains=word) | Q(headline__icontains=word)
                                     | Q(bio__icontains=word) | Q(category__name__icontains=word))
    if filters.category is not None:
        experts = experts.filter(category=filters.category)
    if filters.language is not None:
        experts = experts.filter(languages=filters.language)
    if filters.min_rate_minor is not None:
        experts = experts.filter(hourly_rate_minor__gte=filters.min_rate_minor)
    if filters.max_rate_minor is not None:
        experts = experts.filter(hourly_rate_minor__lte=filters.max_rate_minor)
    experts = experts.order_by(*ORDERINGS[filters.sort])

    total = experts.count()
    page_size = filters.page_size
    last_page = max(1, math.ceil(total / page_size))
    if filters.page > last_page:
        raise InvalidInput(f"Page {filters.page} is past the last page ({last_page}).", field="page")
    offset = (filters.page - 1) * page_size
    return ExpertPage(experts=list(experts[offset:offset + page_size]), total=total,
                      page=filters.page, page_size=page_size)


def expert_get(*, slug: str, with_languages: bool = True) -> Expert:
    experts = _active_experts() if with_languages else (
        Expert.objects.filter(is_active=True, user__is_active=True).select_related("user", "category", "schedule"))
    expert = experts.filter(slug=slug).first()
    if expert is None:
        raise NotFound("There is no expert with that id.")
    return expert


def expert_slug_of_user(*, user: User) -> str | None:
    """The public id of the user's expert profile, None for anyone who is not an expert."""
    return Expert.objects.filter(user=user).values_list("slug", flat=True).first()


def category_list() -> list[Category]:
    return list(Category.objects.all())


def language_list_in_use() -> list[Language]:
    """Languages at least one active expert speaks. EXISTS stops at the first such expert of each
    language (an index probe per language); the join and DISTINCT it replaces read every expert's
    languages, 10 ms at 10,000 experts on PostgreSQL (bench/scale.py)."""
    spoken = Expert.languages.through.objects.filter(language_id=OuterRef("pk"), expert__is_active=True)
    return list(Language.objects.filter(Exists(spoken)).order_by("name"))


def expert_session_length(*, expert: Expert, amount_minor: int | None = None) -> int:
    """The session length a client means when it names none.

    The offered length priced at amount_minor, if any; otherwise 60 minutes when offered, else the
    shortest offered (what the availability endpoints assume too).
    """
    if amount_minor is not None:
        for minutes, price in expert.durations_with_prices():
            if price == amount_minor:
                return minutes
    offered = sorted(expert.offered_durations)
    return 60 if 60 in offered else offered[0]


@dataclass(frozen=True)
class ListedExpert:
    """An expert as a sitemap lists them: the address's id and when the profile last changed."""
    slug: str
    updated_at: datetime


def _listed_experts() -> QuerySet[Expert]:
    return Expert.objects.filter(is_active=True, user__is_active=True).order_by("pk")


def expert_listed_count() -> int:
    return _listed_experts().count()


def expert_listed_chunk(*, number: int, size: int) -> list[ListedExpert]:
    """The number-th run of size listed experts (from 1), in a fixed order."""
    start = (number - 1) * size
    return [ListedExpert(slug=slug, updated_at=updated_at) for slug, updated_at
            in _listed_experts().values_list("slug", "updated_at")[start:start + size]]


def expert_listed_chunk_changed(*, number: int, size: int) -> datetime | None:
    """The latest change among the number-th run of size listed experts."""
    start = (number - 1) * size
    return _listed_experts()[start:start + size].aggregate(changed=Max("updated_at"))["changed"]


def category_listed_changes() -> list[tuple[Category, datetime]]:
    """Each category that has a listed expert, with the latest change among its experts."""
    changed = (_listed_experts().order_by().values("category_id").annotate(changed=Max("updated_at"))
               .values_list("category_id", "changed"))
    by_category = dict(changed)
    return [(category, by_category[category.pk]) for category in Category.objects.filter(pk__in=by_category)]
