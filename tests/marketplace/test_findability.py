"""What search engines and link previews read: public pages carry a description, a canonical address,
Open Graph tags and (expert profiles) schema.org JSON-LD; /robots.txt keeps crawlers out of the
private areas and names the sitemap; /sitemap.xml lists the public pages and every listed expert,
split into an index of bounded files when there are many; private pages say noindex."""
from __future__ import annotations

import json
from datetime import datetime
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest
from django.conf import settings

from serene.bookings.models import BookingStatus
from serene.experts.models import Expert
from serene.marketplace import sitemaps
from tests.bookings.test_bounded_lists import _row
from tests.factories import CategoryFactory, ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.meta: dict[str, list[str]] = {}
        self.links: dict[str, list[str]] = {}
        self.json_ld: list[str] = []
        self._in_json_ld = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and (attrs.get("name") or attrs.get("property")):
            self.meta.setdefault(attrs.get("name") or attrs["property"], []).append(attrs.get("content", ""))
        elif tag == "link" and attrs.get("rel"):
            self.links.setdefault(attrs["rel"], []).append(attrs.get("href", ""))
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_json_ld = True
            self.json_ld.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_json_ld = False

    def handle_data(self, data):
        if self._in_json_ld:
            self.json_ld[-1] += data


def _head(response) -> _Head:
    parser = _Head()
    parser.feed(response.content.decode())
    return parser


def _assert_public(head: _Head, canonical: str) -> None:
    assert head.links["canonical"] == [settings.SITE_URL + canonical]
    assert "robots" not in head.meta
    assert 50 <= len(head.meta["description"][0]) <= 161, head.meta["description"]
    for tag in ("og:title", "og:description", "og:type", "og:url", "og:image", "og:site_name"):
        assert len(head.meta[tag]) == 1 and head.meta[tag][0], tag
    assert head.meta["og:url"] == head.links["canonical"]
    assert head.meta["og:image"][0].startswith(settings.SITE_URL + "/")


def _assert_noindex(head: _Head) -> None:
    assert head.meta.get("robots") == ["noindex"]
    assert "canonical" not in head.links and "og:url" not in head.meta


def test_an_expert_s_profile_is_described_for_search_and_link_previews(client, expert):
    head = _head(client.get("/experts/sarah-khan/"))
    _assert_public(head, "/experts/sarah-khan/")
    assert head.meta["og:type"] == ["profile"]
    assert head.meta["description"][0].startswith("Dr. Sarah Khan, Counselling psychologist. I help people")
    assert head.meta["og:image"] == [settings.SITE_URL + "/experts/sarah-khan/avatar.svg"]


def test_an_expert_s_profile_carries_schema_org_person_and_service_with_a_price_for_each_length(client, db):
    expert = ExpertFactory(slug="meera", user__name="Meera Nair", headline="Nutritionist", hourly_rate_minor=180050,
                           offered_durations=[30, 60], rating_count=3, rating_average="4.67",
                           qualifications="M.Sc. Nutrition (2015)")
    head = _head(client.get("/experts/meera/"))
    assert len(head.json_ld) == 1
    data = json.loads(head.json_ld[0])
    assert data["@context"] == "https://schema.org"
    by_type = {node["@type"]: node for node in data["@graph"]}
    person, service = by_type["Person"], by_type["Service"]
    url = settings.SITE_URL + "/experts/meera/"
    assert {key: person[key] for key in ("name", "url", "jobTitle")} == {
        "name": "Meera Nair", "url": url, "jobTitle": "Nutritionist"}
    assert person["image"].startswith(settings.SITE_URL) and person["@id"]
    assert person["hasCredential"][0]["name"] == "M.Sc. Nutrition (2015)"
    assert service["provider"] == {"@id": person["@id"]}
    assert service["name"] and service["serviceType"] == expert.category.name and service["url"] == url
    assert [(offer["@type"], offer["name"], offer["price"], offer["priceCurrency"]) for offer in service["offers"]] == [
        ("Offer", "30-minute session", "900.25", "INR"), ("Offer", "60-minute session", "1800.50", "INR")]
    assert service["aggregateRating"]["reviewCount"] == 3 and service["aggregateRating"]["ratingValue"] == "4.67"


def test_json_ld_cannot_be_ended_by_what_an_expert_writes(client, db):
    ExpertFactory(slug="odd", user__name="Odd </script><script>alert(1)</script> Name",
                  bio="Bio with <b>tags</b> & ampersands.")
    body = client.get("/experts/odd/").content.decode()
    head_part = body[:body.index("</head>")]
    assert "</script><script>alert(1)" not in head_part
    data = json.loads(_head(client.get("/experts/odd/")).json_ld[0])
    assert data["@graph"][0]["name"] == "Odd </script><script>alert(1)</script> Name"


def test_the_home_page_and_a_category_s_page_are_indexed_a_search_is_not(client, expert):
    _assert_public(_head(client.get("/")), "/")
    category = expert.category.slug
    head = _head(client.get(f"/?category={category}"))
    _assert_public(head, f"/?category={category}")
    assert expert.category.name in head.meta["og:title"][0]
    for variation in ("/?q=anxiety", f"/?category={category}&sort=price_asc", "/?min_price=3000&max_price=1000"):
        head = _head(client.get(variation))
        _assert_noindex(head)
        assert head.meta["description"][0]


def test_the_reviews_page_is_indexed_from_its_first_page(client, expert):
    _assert_public(_head(client.get("/experts/sarah-khan/reviews/")), "/experts/sarah-khan/reviews/")
    _assert_noindex(_head(client.get("/experts/sarah-khan/reviews/?cursor=not-a-cursor")))


@pytest.mark.parametrize(("who", "path"), [
    (None, "/accounts/login/"), (None, "/accounts/signup/"), (None, "/no-such-page/"),
    ("customer", "/dashboard/"), ("customer", "/dashboard/sessions/"), ("customer", "/dashboard/payments/"),
    ("customer", "/accounts/profile/"), ("customer", "/notifications/"), ("customer", "/sessions/{booking}/"),
    ("customer", "/booking/success?sessionId={booking}"), ("customer", "/sessions/{booking}/cancel"),
    ("expert", "/expert/dashboard/"), ("expert", "/expert/availability/"), ("expert", "/expert/sessions/"),
    ("staff", "/staff/operations/"),
])
def test_private_pages_say_noindex(client, expert, customer, who, path):
    booking = _row(expert, customer, datetime.fromisoformat("2030-01-07T10:00+05:30"), BookingStatus.CONFIRMED)
    booking.save()
    people = {"customer": customer, "expert": expert.user, "staff": UserFactory(is_staff=True, role="staff")}
    if who:
        client.force_login(people[who])
    response = client.get(path.format(booking=booking.public_id))
    assert response.status_code in (200, 404), response.status_code
    _assert_noindex(_head(response))


def test_robots_txt_keeps_crawlers_out_of_private_areas_and_names_the_sitemap(client, db):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    disallowed = {line.split(": ", 1)[1] for line in lines if line.startswith("Disallow: ")}
    assert {"/dashboard/", "/sessions/", "/booking/", "/expert/", "/staff/", "/accounts/", "/admin/",
            "/notifications/", "/api/"} <= disallowed
    assert "/" not in disallowed and "/experts/" not in disallowed
    assert f"Sitemap: {settings.SITE_URL}/sitemap.xml" in lines


def _urlset(client, path: str) -> dict[str, str]:
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SITEMAP}urlset"
    urls = {}
    for url in root.findall(f"{SITEMAP}url"):
        lastmod = url.findtext(f"{SITEMAP}lastmod")
        assert datetime.fromisoformat(lastmod).tzinfo is not None, lastmod
        urls[url.findtext(f"{SITEMAP}loc")] = lastmod
    return urls


def test_the_sitemap_lists_the_public_pages_and_every_listed_expert_with_lastmod(client, db):
    therapy = CategoryFactory(slug="therapy", name="Therapy")
    listed = [ExpertFactory(category=therapy) for _ in range(3)]
    hidden = ExpertFactory(is_active=False)
    gone = ExpertFactory(user__is_active=False)
    urls = _urlset(client, "/sitemap.xml")
    site = settings.SITE_URL
    assert set(urls) == {f"{site}/", f"{site}/?category=therapy"} | {f"{site}/experts/{e.slug}/" for e in listed}
    assert f"{site}/experts/{hidden.slug}/" not in urls and f"{site}/experts/{gone.slug}/" not in urls
    newest = max(Expert.objects.filter(pk__in=[e.pk for e in listed]).values_list("updated_at", flat=True))
    assert datetime.fromisoformat(urls[f"{site}/"]) == newest.replace(microsecond=0)


def test_many_experts_make_the_sitemap_an_index_of_bounded_files(client, db, monkeypatch):
    monkeypatch.setattr(sitemaps, "SITEMAP_SIZE", 3)
    experts = [ExpertFactory() for _ in range(7)]
    response = client.get("/sitemap.xml")
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SITEMAP}sitemapindex"
    locations = [entry.findtext(f"{SITEMAP}loc") for entry in root.findall(f"{SITEMAP}sitemap")]
    site = settings.SITE_URL
    assert locations == [f"{site}/sitemap-pages.xml"] + [f"{site}/sitemap-experts-{n}.xml" for n in (1, 2, 3)]
    assert all(entry.findtext(f"{SITEMAP}lastmod") for entry in root.findall(f"{SITEMAP}sitemap")[1:])
    assert f"{site}/" in _urlset(client, "/sitemap-pages.xml")
    seen = []
    for number in (1, 2, 3):
        chunk = _urlset(client, f"/sitemap-experts-{number}.xml")
        assert 1 <= len(chunk) <= 3
        seen += chunk
    assert sorted(seen) == sorted(f"{site}/experts/{e.slug}/" for e in experts)
    assert client.get("/sitemap-experts-4.xml").status_code == 404
    assert client.get("/sitemap-experts-0.xml").status_code == 404
