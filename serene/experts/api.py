"""JSON API for the expert catalogue: GET /api/v1/experts and GET /api/v1/experts/{id}."""
from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Query, Router, Schema

from serene.core.money import format_money, minor_to_major

from . import selectors
from .filters import expert_filters_parse
from .models import Expert

router = Router(tags=["experts"])


class PriceOut(Schema):
    duration: int
    amount: int | float
    amountMinor: int
    display: str


class ExpertOut(Schema):
    id: str
    name: str
    avatar: str
    category: str
    categorySlug: str
    headline: str
    languages: list[str]
    rate: int | float
    rateMinor: int
    currency: str
    rateDisplay: str
    timezone: str
    rating: float
    ratingCount: int
    durations: list[int]
    prices: list[PriceOut]
    requiresApproval: bool
    url: str


class ExpertDetailOut(ExpertOut):
    bio: str
    yearsExperience: int


class PaginationOut(Schema):
    page: int
    pageSize: int
    total: int
    pages: int


class ExpertListOut(Schema):
    success: bool
    experts: list[ExpertOut]
    pagination: PaginationOut


class ExpertDetailResponse(Schema):
    success: bool
    expert: ExpertDetailOut


class ExpertListQuery(Schema):
    q: str | None = None
    category: str | None = None
    language: str | None = None
    min_price: str | None = None
    max_price: str | None = None
    sort: str | None = None
    page: str | None = None
    page_size: str | None = None


def avatar_url(expert: Expert) -> str:
    if expert.avatar:
        return expert.avatar.url
    return reverse("experts:avatar", kwargs={"slug": expert.slug})


def expert_as_json(request: HttpRequest, expert: Expert, *, detail: bool = False) -> dict:
    data = {
        "id": expert.slug,
        "name": expert.name,
        "avatar": request.build_absolute_uri(avatar_url(expert)),
        "category": expert.category.name,
        "categorySlug": expert.category.slug,
        "headline": expert.headline,
        "languages": [language.name for language in expert.languages.all()],
        "rate": minor_to_major(expert.hourly_rate_minor),
        "rateMinor": expert.hourly_rate_minor,
        "currency": expert.currency,
        "rateDisplay": format_money(expert.hourly_rate_minor, expert.currency),
        "timezone": expert.time_zone,
        "rating": float(expert.rating_average),
        "ratingCount": expert.rating_count,
        "durations": sorted(expert.offered_durations),
        "prices": [{"duration": minutes, "amount": minor_to_major(amount), "amountMinor": amount,
                    "display": format_money(amount, expert.currency)}
                   for minutes, amount in expert.durations_with_prices()],
        "requiresApproval": expert.requires_approval,
        "url": request.build_absolute_uri(reverse("experts:profile", kwargs={"slug": expert.slug})),
    }
    if detail:
        data["bio"] = expert.bio
        data["yearsExperience"] = expert.years_experience
    return data


@router.get("/experts", response=ExpertListOut, summary="List experts with search, filters, sort and pages")
def list_experts(request: HttpRequest, params: Query[ExpertListQuery]):
    filters = expert_filters_parse({key: value for key, value in params.dict().items() if value is not None})
    page = selectors.expert_list(filters=filters)
    return {
        "success": True,
        "experts": [expert_as_json(request, expert) for expert in page.experts],
        "pagination": {"page": page.page, "pageSize": page.page_size, "total": page.total, "pages": page.pages},
    }


@router.get("/experts/{expert_id}", response=ExpertDetailResponse, summary="One expert's public profile")
def get_expert(request: HttpRequest, expert_id: str):
    expert = selectors.expert_get(slug=expert_id)
    return {"success": True, "expert": expert_as_json(request, expert, detail=True)}
