"""The expert's availability editor page, its preview, and next-available on catalogue pages."""
import pytest

from serene.accounts.models import Role
from serene.bookings.services import booking_hold
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", minimum_notice_hours=0)


def test_editor_page_is_for_experts(client, sarah):
    assert client.get("/expert/availability/").status_code == 302  # to log in
    client.force_login(UserFactory(role=Role.CUSTOMER))
    assert client.get("/expert/availability/").status_code == 403
    client.force_login(sarah.user)
    body = client.get("/expert/availability/").content.decode()
    assert "Your availability" in body and 'id="availability-rules"' in body


def test_preview_lists_the_next_seven_days(client, sarah):
    client.force_login(sarah.user)
    body = client.get("/expert/availability/preview/").content.decode()
    assert body.count("<h3>") == 7
    assert "time-chip" in body  # at least one weekday with free times


def test_browse_and_profile_show_the_next_available_slot(client, sarah):
    body = client.get("/").content.decode()
    assert "Next available" in body
    assert "Next available" in client.get("/experts/sarah/").content.decode()


def test_a_fully_booked_fortnight_says_so(client, sarah):
    sarah.booking_horizon_days = 1
    sarah.minimum_notice_hours = 0
    sarah.save()
    body = client.get("/experts/sarah/").content.decode()
    # With a one-day horizon the only free times are today's or tomorrow's, if any are left.
    assert "Next available" in body or "No free times in the next two weeks" in body


def test_next_available_skips_booked_time(client, sarah):
    from django.utils import timezone

    from serene.availability.selectors import next_available_slots
    first = next_available_slots(experts=[sarah], now=timezone.now())[sarah.pk]
    booking_hold(customer=UserFactory(), expert=sarah, starts_at=first.starts_at, duration_minutes=30)
    second = next_available_slots(experts=[sarah], now=timezone.now())[sarah.pk]
    assert second.starts_at >= first.ends_at


def test_browse_page_queries_do_not_grow_with_experts(client, django_assert_max_num_queries, sarah):
    for _ in range(11):
        ExpertFactory()
    with django_assert_max_num_queries(12):
        client.get("/")
