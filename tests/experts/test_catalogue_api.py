"""GET /api/v1/experts and /api/v1/experts/{id}: filters, sort, pages and 4xx for bad values."""
import pytest

from tests.factories import CategoryFactory, ExpertFactory, LanguageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    therapy = CategoryFactory(slug="therapy", name="Therapy & counselling")
    nutrition = CategoryFactory(slug="nutrition", name="Nutrition")
    english, hindi = LanguageFactory(code="en", name="English"), LanguageFactory(code="hi", name="Hindi")
    return {
        "sarah": ExpertFactory(slug="sarah", user__name="Sarah Khan", category=therapy, hourly_rate_minor=150000,
                               rating_average="4.9", rating_count=10, languages=[english, hindi],
                               headline="Clinical psychologist · anxiety"),
        "meera": ExpertFactory(slug="meera", user__name="Meera Nair", category=nutrition, hourly_rate_minor=100000,
                               rating_average="4.5", rating_count=3, languages=[english], headline="Dietitian", bio="Food plans for busy weeks."),
        "rohan": ExpertFactory(slug="rohan", user__name="Rohan Mehta", category=therapy, hourly_rate_minor=250000,
                               rating_average="4.7", rating_count=8, languages=[hindi], headline="Therapist", bio="Couples and families."),
        "hidden": ExpertFactory(slug="hidden", user__name="Inactive Person", category=therapy, is_active=False),
    }


def _ids(response):
    assert response.status_code == 200, response.content
    return [expert["id"] for expert in response.json()["experts"]]


def test_list_has_the_briefs_fields_and_hides_inactive_experts(client, catalogue):
    body = client.get("/api/v1/experts").json()
    assert body["success"] is True
    assert body["pagination"] == {"page": 1, "pageSize": 12, "total": 3, "pages": 1}
    first = body["experts"][0]
    for field in ("id", "name", "avatar", "category", "rate", "currency"):
        assert field in first
    assert first["avatar"].startswith("http://testserver/")
    assert "hidden" not in _ids(client.get("/api/v1/experts"))


@pytest.mark.parametrize(("query", "expected"), [
    ("category=therapy", ["sarah", "rohan"]),
    ("language=hi", ["sarah", "rohan"]),
    ("min_price=1500", ["sarah", "rohan"]),
    ("max_price=1500", ["sarah", "meera"]),
    ("min_price=1200&max_price=2000", ["sarah"]),
    ("q=anxiety", ["sarah"]),
    ("q=nair", ["meera"]),
    ("q=nutrition", ["meera"]),
    ("q=zzzz", []),
    ("sort=price_asc", ["meera", "sarah", "rohan"]),
    ("sort=price_desc", ["rohan", "sarah", "meera"]),
    ("sort=rating", ["sarah", "rohan", "meera"]),
])
def test_filters_and_sorting(client, catalogue, query, expected):
    ids = _ids(client.get(f"/api/v1/experts?{query}"))
    if query.startswith("sort="):
        assert ids == expected
    else:
        assert sorted(ids) == sorted(expected)


def test_pagination(client, catalogue):
    first = client.get("/api/v1/experts?sort=price_asc&page_size=2").json()
    second = client.get("/api/v1/experts?sort=price_asc&page_size=2&page=2").json()
    assert [e["id"] for e in first["experts"]] == ["meera", "sarah"]
    assert [e["id"] for e in second["experts"]] == ["rohan"]
    assert second["pagination"] == {"page": 2, "pageSize": 2, "total": 3, "pages": 2}


@pytest.mark.parametrize(("query", "field"), [
    ("min_price=abc", "min_price"), ("max_price=-5", "max_price"), ("category=unknown", "category"),
    ("language=xx", "language"), ("page=0", "page"), ("page=abc", "page"), ("page=99", "page"),
    ("page_size=500", "page_size"), ("sort=cheapest", "sort"), ("min_price=3000&max_price=1000", "min_price"),
    ("q=" + "a" * 101, "q"), ("min_price=NaN", "min_price"), ("min_price=1e999", "min_price"),
])
def test_bad_filter_values_are_400_json_naming_the_field(client, catalogue, query, field):
    response = client.get(f"/api/v1/experts?{query}")
    assert response.status_code == 400
    body = response.json()
    assert body["success"] is False
    assert body["error"]["code"] == "invalid"
    assert body["error"]["field"] == field
    assert body["error"]["message"]


def test_detail_prices_each_offered_duration_on_the_server(client, catalogue):
    body = client.get("/api/v1/experts/sarah").json()
    assert body["success"] is True
    expert = body["expert"]
    assert expert["rate"] == 1500 and expert["currency"] == "INR"
    assert [(p["duration"], p["amount"], p["display"]) for p in expert["prices"]] == [
        (30, 750, "₹750"), (60, 1500, "₹1,500"), (90, 2250, "₹2,250")]
    assert expert["bio"]
    assert expert["languages"] == ["English", "Hindi"]


def test_unknown_or_inactive_expert_is_404_json(client, catalogue):
    for expert_id in ("nobody", "hidden"):
        response = client.get(f"/api/v1/experts/{expert_id}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"


def test_queries_per_list_request_do_not_grow_with_the_page(client, catalogue, django_assert_max_num_queries):
    for _number in range(10):
        ExpertFactory(category=catalogue["sarah"].category, languages=[LanguageFactory(code="en", name="English")])
    with django_assert_max_num_queries(4):
        assert len(client.get("/api/v1/experts?page_size=13").json()["experts"]) == 13


def test_openapi_schema_is_served(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/experts" in schema["paths"] and "/api/v1/experts/{expert_id}" in schema["paths"]
    assert client.get("/api/v1/docs").status_code == 200
