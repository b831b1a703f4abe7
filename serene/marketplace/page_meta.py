"""What search engines and link previews read from the public pages: the description, the canonical
address, Open Graph tags and, on an expert's profile, schema.org JSON-LD. A page without a PageMeta is
private: base.html marks it noindex."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.text import Truncator

from serene.core.context_processors import SITE_DESCRIPTION
from serene.core.money import minor_to_decimal_text
from serene.experts.models import Category, Expert

DESCRIPTION_CHARACTERS = 160


def absolute(path: str) -> str:
    """The public address of a path on this site (SITE_URL), as canonical links and sitemaps need."""
    return settings.SITE_URL + path


@dataclass(frozen=True)
class PageMeta:
    title: str  # for link previews (og:title), without the site's name, which og:site_name carries
    description: str
    canonical: str | None  # None: the page is public but not worth indexing (a filtered list, a later page)
    og_type: str = "website"
    image: str = ""
    structured_data: dict[str, Any] | None = field(default=None)

    @property
    def indexable(self) -> bool:
        return self.canonical is not None


def _short(text: str) -> str:
    return Truncator(" ".join(text.split())).chars(DESCRIPTION_CHARACTERS)


def _avatar_path(expert: Expert) -> str:
    return expert.avatar.url if expert.avatar else reverse("experts:avatar", kwargs={"slug": expert.slug})


def browse_meta(*, category: Category | None, indexable: bool) -> PageMeta:
    """The home page; with only a category chosen, that category's own page; any other filter is a
    variation not worth indexing."""
    path = reverse("marketplace:browse") + (f"?category={category.slug}" if category else "")
    if category is not None:
        title = category.name
        description = _short(f"{category.name} on Serene: {category.description} Private one-to-one video "
                             "sessions, pay per session.")
    else:
        title, description = "Find a wellbeing expert", SITE_DESCRIPTION
    return PageMeta(title=title, description=description, canonical=absolute(path) if indexable else None,
                    image=absolute(settings.STATIC_URL + "img/mark.svg"))


def profile_meta(*, expert: Expert) -> PageMeta:
    url = absolute(reverse("marketplace:profile", kwargs={"slug": expert.slug}))
    image = absolute(_avatar_path(expert))
    return PageMeta(title=f"{expert.name} — {expert.headline}",
                    description=_short(f"{expert.name}, {expert.headline}. {expert.bio}"),
                    canonical=url, og_type="profile", image=image,
                    structured_data=expert_structured_data(expert=expert, url=url, image=image))


def reviews_meta(*, expert: Expert, first_page: bool) -> PageMeta:
    url = absolute(reverse("marketplace:reviews", kwargs={"slug": expert.slug}))
    return PageMeta(title=f"Reviews of {expert.name}",
                    description=_short(f"What clients say about their sessions with {expert.name}, "
                                       f"{expert.headline}. Only clients who had a session can review it."),
                    canonical=url if first_page else None, image=absolute(_avatar_path(expert)))


def expert_structured_data(*, expert: Expert, url: str, image: str) -> dict[str, Any]:
    """schema.org: the expert as a Person, and the sessions they offer as a Service with a priced
    Offer for each length."""
    person_id, service_id = f"{url}#person", f"{url}#service"
    person: dict[str, Any] = {
        "@type": "Person", "@id": person_id, "name": expert.name, "jobTitle": expert.headline,
        "description": _short(expert.bio), "image": image, "url": url,
        "knowsLanguage": [language.name for language in expert.languages.all()],
    }
    if expert.qualification_list:
        person["hasCredential"] = [{"@type": "EducationalOccupationalCredential", "name": line}
                                   for line in expert.qualification_list]
    service: dict[str, Any] = {
        "@type": "Service", "@id": service_id, "name": f"One-to-one video session with {expert.name}",
        "serviceType": expert.category.name, "provider": {"@id": person_id}, "url": url,
        "offers": [{"@type": "Offer", "name": f"{minutes}-minute session", "price": minor_to_decimal_text(amount),
                    "priceCurrency": expert.currency, "url": url,
                    "availability": "https://schema.org/InStock"}
                   for minutes, amount in expert.durations_with_prices()],
    }
    if expert.rating_count:
        service["aggregateRating"] = {"@type": "AggregateRating", "ratingValue": str(expert.rating_average),
                                      "reviewCount": expert.rating_count, "bestRating": 5, "worstRating": 1}
    return {"@context": "https://schema.org", "@graph": [person, service]}
