"""Pages write times one way (core.timefmt through the template filters): "4:30 pm", "Tuesday 1 December
2026", "Tue 1 Dec", a zone by its city, and the expert's zone only when it is not the viewer's."""
import re

import pytest

from serene.bookings.models import Booking, BookingStatus
from serene.bookings.services import booking_hold
from serene.core.timefmt import format_date, format_short_date, format_time, format_time_range
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db

CLOCK = r"\d{1,2}:\d{2} [ap]m"


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", minimum_notice_hours=0)


def held(expert, customer, hour=10):
    return booking_hold(customer=customer, expert=expert, starts_at=at(next_weekday(), hour), duration_minutes=60)


def summary(html: str) -> str:
    return html[html.index('<dl class="summary-list">'):html.index("</dl>")]


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_session_summary_names_both_zones_by_city_when_they_differ(client, sarah):
    """9:00 in Kolkata is the evening before in New York, in summer and winter."""
    customer = UserFactory(time_zone="America/New_York")
    booking = held(sarah, customer, hour=9)
    client.force_login(customer)
    page = text(summary(client.get(f"/booking/success?sessionId={booking.public_id}").content.decode()))
    ours = format_time_range(booking.starts_at, booking.ends_at, "America/New_York")
    assert re.fullmatch(f"{CLOCK} – {CLOCK}", ours)
    assert f"Date {format_date(booking.starts_at, 'America/New_York')} " in page
    assert f"Time {ours} (New York time) " in page
    theirs = format_time_range(booking.starts_at, booking.ends_at, "Asia/Kolkata")
    assert theirs == "9:00 am – 10:00 am"
    other_day = format_short_date(booking.starts_at, "Asia/Kolkata")
    assert other_day != format_short_date(booking.starts_at, "America/New_York")
    assert f"{theirs} on {other_day} for Dr. Sarah Khan (Kolkata time)" in page
    assert "Asia/Kolkata" not in page and "America/New_York" not in page


def test_the_session_summary_names_one_zone_when_viewer_and_expert_share_it(client, sarah):
    customer = UserFactory(time_zone="Asia/Kolkata")
    booking = held(sarah, customer, hour=16)
    client.force_login(customer)
    page = text(client.get(f"/booking/success?sessionId={booking.public_id}").content.decode())
    assert "Time 4:00 pm – 5:00 pm (Kolkata time) " in page
    assert "for Dr. Sarah Khan" not in page


def test_my_sessions_lists_short_days_and_twelve_hour_times(client, sarah):
    customer = UserFactory(time_zone="Asia/Kolkata")
    booking = held(sarah, customer, hour=14)
    Booking.objects.filter(pk=booking.pk).update(status=BookingStatus.CONFIRMED)
    client.force_login(customer)
    page = text(client.get("/dashboard/").content.decode())
    assert "Times are Kolkata time." in page
    assert f"{format_short_date(booking.starts_at, 'Asia/Kolkata')} 2:00 pm–3:00 pm" in page
    assert "60 min · ₹1,500" in page


def test_expert_pages_show_the_zone_by_city_and_the_next_slot_in_the_viewers_zone(client, sarah):
    profile = client.get("/experts/sarah/").content.decode()
    assert re.search(r"<dt>Time zone</dt><dd>Kolkata time</dd>", profile)
    assert re.search(rf"<time datetime=\"[^\"]+\" data-local>[A-Z][a-z]{{2}} \d{{1,2}} [A-Z][a-z]{{2}}, {CLOCK} "
                     r"\(Kolkata time\)</time>", profile)
    client.force_login(UserFactory(time_zone="Europe/London"))
    for page in (client.get("/experts/sarah/").content.decode(), client.get("/").content.decode()):
        assert re.search(rf"data-local>[A-Z][a-z]{{2}} \d{{1,2}} [A-Z][a-z]{{2}}, {CLOCK} \(London time\)</time>", page)


def test_the_availability_preview_writes_days_and_times_the_same_way(client, sarah):
    client.force_login(sarah.user)
    page = client.get("/expert/availability/preview/").content.decode()
    assert "start times, Kolkata time." in page
    assert re.search(r"<h3>[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}</h3>", page)
    assert '<span class="time-chip">9:00 am</span>' in page and "time-chip\">09:00" not in page


def test_the_receipt_writes_the_same_lines(sarah):
    from serene.bookings.receipts import receipt_rows

    customer = UserFactory(time_zone="America/New_York")
    booking = held(sarah, customer, hour=9)
    rows = dict(receipt_rows(booking=booking, payment_id="pay_1"))
    assert rows["Date"] == format_date(booking.starts_at, "America/New_York")
    assert rows["Time"] == (f"{format_time_range(booking.starts_at, booking.ends_at, 'America/New_York')} (New York time); "
                            f"9:00 am on {format_short_date(booking.starts_at, 'Asia/Kolkata')} for the expert (Kolkata time)")
    assert rows["Issued"] == format_date(booking.created_at, "America/New_York")
    same = dict(receipt_rows(booking=held(sarah, UserFactory(), hour=15), payment_id="pay_2"))
    assert same["Time"] == "3:00 pm – 4:00 pm (Kolkata time)"
    assert format_time(booking.starts_at, "Asia/Kolkata") == "9:00 am"
