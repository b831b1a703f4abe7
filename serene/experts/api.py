"""JSON API for the expert catalogue: GET /api/v1/experts and GET /api/v1/experts/{id}."""
from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Literal

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Path, Query, Router, Schema

from serene.core.api_common import answers
from serene.core.money import format_money, minor_to_major

from . import selectors
from .filters import MAX_PAGE_SIZE, MAX_PRICE, MAX_QUERY_LENGTH, expert_filters_parse
from .models import OFFERED_DURATION_CHOICES, Expert

router = Router(tags=["experts"])

EXPERT_ID_PATTERN = r"^[-a-zA-Z0-9_]{1,80}$"
# The session lengths an expert may offer, as a typed enum for query and body parameters.
# mypy reads an enum's members only from a literal; these come from OFFERED_DURATION_CHOICES, kept in one place.
SessionLength = IntEnum("SessionLength", {f"MINUTES_{minutes}": minutes for minutes in OFFERED_DURATION_CHOICES})  # type: ignore[misc]  # see above


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
    verified: bool  # staff checked the registration with its body


class ExpertDetailOut(ExpertOut):
    bio: str
    yearsExperience: int
    qualifications: list[str]
    registrationBody: str
    registrationNumber: str
    verifiedAt: datetime | None


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
    q: str | None = Field(None, max_length=MAX_QUERY_LENGTH, description="Words to find in name, headline, bio or category.")
    category: str | None = Field(None, max_length=100, description="A category slug, e.g. psychology.")
    language: str | None = Field(None, max_length=20, description="A language code, e.g. hi.")
    min_price: float | None = Field(None, ge=0, le=MAX_PRICE, allow_inf_nan=False, description="Hourly rate at least, in rupees.")
    max_price: float | None = Field(None, ge=0, le=MAX_PRICE, allow_inf_nan=False, description="Hourly rate at most, in rupees.")
    sort: Literal["recommended", "price_asc", "price_desc", "rating"] | None = None
    page: int | None = Field(None, ge=1, le=100_000, description="1-based; past the last page answers 400.")
    page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)


def avatar_url(expert: Expert) -> str:
    if expert.avatar:
        return expert.avatar.url
    return reverse("experts:avatar", kwargs={"slug": expert.slug})


def expert_as_json(request: HttpRequest, expert: Expert, *, detail: bool = False) -> dict:
    data: dict[str, object] = {
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
        "url": request.build_absolute_uri(reverse("marketplace:profile", kwargs={"slug": expert.slug})),
        "verified": expert.is_verified,
    }
    if detail:
        data["bio"] = expert.bio
        data["yearsExperience"] = expert.years_experience
        data.update({"qualifications": expert.qualification_list, "registrationBody": expert.registration_body,
                     "registrationNumber": expert.registration_number, "verifiedAt": expert.verified_at})
    return data


@router.get("/experts", response=answers({200: ExpertListOut}, 400), summary="List experts with search, filters, sort and pages")
def list_experts(request: HttpRequest, params: Query[ExpertListQuery]):
    filters = expert_filters_parse({key: str(value) for key, value in params.dict().items() if value is not None})
    page = selectors.expert_list(filters=filters)
    return {
        "success": True,
        "experts": [expert_as_json(request, expert) for expert in page.experts],
        "pagination": {"page": page.page, "pageSize": page.page_size, "total": page.total, "pages": page.pages},
    }


@router.get("/experts/{expert_id}", response=answers({200: ExpertDetailResponse}, 400, 404), summary="One expert's public profile")
def get_expert(request: HttpRequest, expert_id: str = Path(..., pattern=EXPERT_ID_PATTERN, examples=["sarah-khan"])):
    expert = selectors.expert_get(slug=expert_id)
    return {"success": True, "expert": expert_as_json(request, expert, detail=True)}
