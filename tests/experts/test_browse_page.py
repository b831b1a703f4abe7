"""The browse page's filters: a price range the wrong way round answers in plain words beside the price
fields, on a full load (400) and for htmx (200, so htmx swaps it in); the Filters button counts."""
import pytest

from tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

WORDS = "The lowest price (₹3,000) is more than the highest (₹1,000). Lower the first or raise the second."


@pytest.fixture
def experts(db):
    ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", hourly_rate_minor=150000)
    ExpertFactory(slug="rohan", user__name="Rohan Mehta", hourly_rate_minor=250000)


def test_a_full_load_with_min_above_max_says_so_beside_the_price_fields(client, experts):
    response = client.get("/?min_price=3000&max_price=1000&category=")
    assert response.status_code == 400
    body = response.content.decode()
    assert f'<p class="field-error" id="price-error" role="alert">{WORDS}</p>' in body
    assert body.count('aria-invalid="true"') == 2 and 'aria-describedby="price-error"' in body
    assert 'value="3000"' in body and 'value="1000"' in body  # what was typed stays
    assert "must not be more than" not in body and "min_price" not in body.split('id="results"')[1]
    assert 'class="expert-card"' not in body
    assert 'aria-expanded="true"' in body  # the phone's folded filters open to show the words


def test_the_htmx_request_gets_a_200_it_swaps_with_the_words(client, experts):
    response = client.get("/?min_price=3000&max_price=1000", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    body = response.content.decode()
    assert WORDS in body.split('id="results"')[1]  # in the region htmx swaps (data-hx-select)
    assert f'id="price-error" role="alert">{WORDS}</p>' in body  # and beside the fields (data-hx-select-oob)


@pytest.mark.parametrize("query, words", [
    ("min_price=abc", "Enter the lowest price as a whole number of rupees, such as 1500."),
    ("max_price=-5", "Enter the highest price as a whole number of rupees, such as 1500."),
])
def test_a_price_that_is_not_a_number_of_rupees_is_explained(client, experts, query, words):
    response = client.get("/?" + query)
    assert response.status_code == 400 and words in response.content.decode()


def test_a_good_range_lists_experts_and_counts_active_filters(client, experts):
    response = client.get("/?min_price=1000&max_price=2000&q=")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Dr. Sarah Khan" in body and "Rohan Mehta" not in body
    assert '<p class="field-error" id="price-error"></p>' in body and 'aria-invalid' not in body
    assert '1<span class="visually-hidden"> active</span>' in body


def test_cards_name_the_expert_in_the_link_and_show_price_and_languages_as_text(client, experts):
    body = client.get("/").content.decode()
    assert '<h2 class="result-count">2 experts</h2>' in body
    assert '<h3 class="card-name"><a class="card-link" href="/experts/sarah/">Dr. Sarah Khan</a></h3>' in body
    assert "aria-label=" not in body.split('id="results"')[1]
    assert "₹1,500</strong><span class=\"muted\"> an hour" in body
