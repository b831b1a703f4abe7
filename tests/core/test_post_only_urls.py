"""No page answers a GET with a bare 405: every URL pattern is visited by GET, as each kind of person,
and a POST-only address either sends the visitor to the page that holds its form or shows the friendly
405 page with a way back. The API and the payment emulator answer their own JSON 405s (tested apart)."""
import re
from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from serene.bookings.models import BookingStatus
from serene.notifications.models import Notice
from tests.desk.test_expert_access_matrix import ROLES, as_, booking_for, people  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("api/", "sandbox/")


def _routes(resolver: URLResolver, prefix: str = ""):
    """Every pattern's path, with its converters or named groups still in it."""
    for entry in resolver.url_patterns:
        text = str(entry.pattern)
        if text.startswith("^"):
            text = text[1:]
        text = text.removesuffix("$").replace("\\Z", "")
        if isinstance(entry, URLResolver):
            yield from _routes(entry, prefix + text)
        elif isinstance(entry, URLPattern):
            yield prefix + text


def _filled(route: str, values: dict[str, str]) -> str | None:
    """The route with each parameter given a value; None for a regex that is not a plain path."""
    route = re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values.get(match.group(1), "1"), route)
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda match: values.get(match.group(1), "1"), route)
    return None if re.search(r"[()\[\]*+?|\\]", route) else "/" + route


def test_no_url_answers_a_get_with_a_bare_405(client, people):
    booking = booking_for(people, status=BookingStatus.COMPLETED, starts_in=-timedelta(days=2))
    notice = Notice.objects.create(key="walk", user=people["customer"], kind="test", text="A notice",
                                   link=f"/sessions/{booking.public_id}/")
    values = {"public_id": str(booking.public_id), "slug": people["expert"].expert.slug, "notice_id": str(notice.pk)}
    paths = sorted({path for route in _routes(get_resolver())
                    if not route.startswith(SKIPPED_PREFIXES) and (path := _filled(route, values))})
    assert "/sessions/{}/review".format(booking.public_id) in paths and "/notifications/read-all" in paths
    bare = []
    for role in ROLES:
        as_(client, people, role)
        for path in paths:
            answer = client.get(path)
            if answer.status_code == 405 and "405.html" not in [t.name for t in answer.templates]:
                bare.append(f"{role} GET {path}")
        client.logout()
    assert bare == []


def test_each_post_only_page_sends_a_get_to_its_form(client, people):
    booking = booking_for(people, status=BookingStatus.COMPLETED, starts_in=-timedelta(days=2))
    client.force_login(people["customer"])
    review = client.get(f"/sessions/{booking.public_id}/review")
    assert review.status_code == 302 and review["Location"] == f"/sessions/{booking.public_id}/#review"
    assert 'id="review"' in client.get(review["Location"]).content.decode()
    read_all = client.get("/notifications/read-all")
    assert read_all.status_code == 302 and read_all["Location"] == "/notifications/"
    logout = client.get("/accounts/logout/")
    assert logout.status_code == 200 and 'action="/accounts/logout/"' in logout.content.decode()
    assert client.get("/dashboard/").status_code == 200, "a GET of the log-out page signs nobody out"


def test_a_post_only_address_without_a_form_page_answers_a_friendly_405(client, people):
    client.force_login(people["staff"])
    answer = client.get("/admin/logout/", HTTP_REFERER="http://testserver/admin/")
    assert answer.status_code == 405 and answer["Allow"] == "POST, OPTIONS"
    page = answer.content.decode()
    assert "This address only takes a form" in page and 'href="http://testserver/admin/">Go back' in page


def test_the_dashboard_links_rate_this_session_to_the_form_on_the_session_page(client, people):
    booking = booking_for(people, status=BookingStatus.COMPLETED, starts_in=-timedelta(days=2))
    client.force_login(people["customer"])
    dashboard = client.get("/dashboard/").content.decode()
    assert f'href="/sessions/{booking.public_id}/#review">Rate this session' in dashboard
    assert f"/sessions/{booking.public_id}/review\"" not in dashboard
