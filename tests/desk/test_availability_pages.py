"""The expert's availability editor page, its preview, and next-available on catalogue pages."""
from datetime import timedelta
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from serene.accounts.models import Role
from serene.availability.models import WeeklySchedule
from serene.availability.selectors import next_available_slots
from serene.bookings.services import booking_hold
from tests.bookings.helpers import at
from tests.factories import ExpertFactory, UserFactory

LOOK_AHEAD_DAYS = 14  # how far next_available_slots looks by default, as the pages ask it to

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


@pytest.mark.parametrize("free_day", [None, 7], ids=["all-booked", "one-day-left"])
def test_a_fully_booked_fortnight_says_so(client, settings, free_day):
    """One half-hour a day, every day, and each one held: whatever today is and whatever the hour,
    the fortnight the page looks at has no free time; leaving one day free shows exactly that slot."""
    settings.HOLD_MINUTES = 120  # the holds outlive the test
    expert = ExpertFactory(slug="booked-up", minimum_notice_hours=0, buffer_minutes=0, booking_horizon_days=60,
                           offered_durations=[30], slot_interval_minutes=30)
    WeeklySchedule.objects.create(expert=expert, breaks=[],
                                  weekly_hours={str(day): [{"start": "10:00", "end": "10:30"}] for day in range(7)})
    today = timezone.now().astimezone(ZoneInfo(expert.time_zone)).date()
    # The page looks 14 days past today; one day more covers a midnight passing mid-test.
    for offset in range(LOOK_AHEAD_DAYS + 2):
        starts_at = at(today + timedelta(days=offset), 10)
        if offset != free_day and starts_at > timezone.now():  # today's 10:00 may be gone already
            booking_hold(customer=UserFactory(), expert=expert, starts_at=starts_at, duration_minutes=30)

    body = client.get("/experts/booked-up/").content.decode()
    if free_day is None:
        assert "No free times in the next two weeks." in body
        assert "Next available" not in body
    else:
        free = at(today + timedelta(days=free_day), 10).astimezone(dt_timezone.utc)
        assert f'Next available: <strong><time datetime="{free.isoformat()}"' in body
        assert "No free times" not in body


def test_next_available_skips_booked_time(client, sarah):
    first = next_available_slots(experts=[sarah], now=timezone.now())[sarah.pk]
    booking_hold(customer=UserFactory(), expert=sarah, starts_at=first.starts_at, duration_minutes=30)
    second = next_available_slots(experts=[sarah], now=timezone.now())[sarah.pk]
    assert second.starts_at >= first.ends_at


def test_browse_page_queries_do_not_grow_with_experts(client, django_assert_max_num_queries, sarah):
    for _ in range(11):
        ExpertFactory()
    with django_assert_max_num_queries(12):
        client.get("/")
