"""/robots.txt and /sitemap.xml: crawlers are kept out of the private areas and told where the public
pages are: the home page, each category's page and every listed expert, with when each last changed.
Past SITEMAP_SIZE experts the sitemap becomes an index of bounded files (the protocol allows 50,000
addresses a file; a file this size stays quick to build)."""
from __future__ import annotations

import math
from datetime import UTC, datetime
from xml.sax.saxutils import escape

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from serene.experts import selectors as expert_selectors

from .page_meta import absolute

SITEMAP_SIZE = 5000
PRIVATE_PREFIXES = ("/dashboard/", "/sessions/", "/booking/", "/expert/", "/staff/", "/accounts/",
                    "/notifications/", "/admin/", "/api/", "/dev/", "/sandbox/")
_XML_NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = ["User-agent: *", *(f"Disallow: {prefix}" for prefix in PRIVATE_PREFIXES), "",
             f"Sitemap: {absolute(reverse('marketplace:sitemap'))}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


def _lastmod(moment: datetime | None) -> str:
    return f"<lastmod>{moment.astimezone(UTC).isoformat(timespec='seconds')}</lastmod>" if moment else ""


def _xml(body: list[str]) -> HttpResponse:
    return HttpResponse('<?xml version="1.0" encoding="UTF-8"?>\n' + "\n".join(body) + "\n",
                        content_type="application/xml; charset=utf-8")


def _url(path: str, changed: datetime | None) -> str:
    return f"<url><loc>{escape(absolute(path))}</loc>{_lastmod(changed)}</url>"


def _page_urls() -> list[str]:
    categories = expert_selectors.category_listed_changes()
    home_changed = max((changed for _, changed in categories), default=None)
    browse = reverse("marketplace:browse")
    return [_url(browse, home_changed)] + [_url(f"{browse}?category={category.slug}", changed)
                                           for category, changed in categories]


def _expert_urls(number: int) -> list[str]:
    return [_url(reverse("marketplace:profile", kwargs={"slug": listed.slug}), listed.updated_at)
            for listed in expert_selectors.expert_listed_chunk(number=number, size=SITEMAP_SIZE)]


@require_safe
def sitemap(request: HttpRequest) -> HttpResponse:
    chunks = max(1, math.ceil(expert_selectors.expert_listed_count() / SITEMAP_SIZE))
    if chunks == 1:
        return _xml([f"<urlset {_XML_NS}>", *_page_urls(), *_expert_urls(1), "</urlset>"])
    entries = [f"<sitemap><loc>{escape(absolute(reverse('marketplace:sitemap_pages')))}</loc></sitemap>"]
    for number in range(1, chunks + 1):
        changed = expert_selectors.expert_listed_chunk_changed(number=number, size=SITEMAP_SIZE)
        location = absolute(reverse("marketplace:sitemap_experts", kwargs={"number": number}))
        entries.append(f"<sitemap><loc>{escape(location)}</loc>{_lastmod(changed)}</sitemap>")
    return _xml([f"<sitemapindex {_XML_NS}>", *entries, "</sitemapindex>"])


@require_safe
def sitemap_pages(request: HttpRequest) -> HttpResponse:
    return _xml([f"<urlset {_XML_NS}>", *_page_urls(), "</urlset>"])


@require_safe
def sitemap_experts(request: HttpRequest, number: int) -> HttpResponse:
    urls = _expert_urls(number) if number >= 1 else []
    if not urls:
        raise Http404("No such sitemap.")
    return _xml([f"<urlset {_XML_NS}>", *urls, "</urlset>"])
