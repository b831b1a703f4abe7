"""In-app notices: what a booking's moves tell its expert, the header's unread count, and the page."""
import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from serene.bookings.locks import lock_booking
from serene.accounts.models import Role
from serene.bookings.models import Booking, BookingEvent, BookingStatus
from serene.bookings.moves import booking_approve
from serene.bookings.services import booking_clear_way_to_confirm, booking_confirm_paid, booking_hold, booking_reschedule
from serene.core.timefmt import format_short_day
from serene.notifications.models import Notice
from serene.notifications.notices import notices_for_booking_event, notices_unread_count
from serene.payments.cancellations import booking_cancel_with_refund, booking_reject_with_refund
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
S = BookingStatus


@pytest.fixture
def sarah():
    return ExpertFactory(minimum_notice_hours=0, buffer_minutes=0, user__name="Dr. Sarah Khan")


def booked(expert, customer, starts, duration=60) -> Booking:
    """A hold whose payment was captured, confirmed (or left awaiting approval) as payments do it."""
    held = booking_hold(customer=customer, expert=expert, starts_at=starts, duration_minutes=duration)
    with transaction.atomic():
        locked = lock_booking(booking_id=held.pk)
        assert booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))
    held.refresh_from_db()
    return held


def notices_of(user) -> list[Notice]:
    return list(Notice.objects.filter(user=user).order_by("id"))


# --- What the expert is told ---------------------------------------------------------------------

def test_a_paid_booking_tells_its_expert_once_in_the_experts_zone_even_if_its_event_is_handled_twice(customer):
    nadia = ExpertFactory(minimum_notice_hours=0, time_zone="America/New_York")
    day = next_weekday(zone="America/New_York")
    booking = booked(nadia, customer, at(day, 15, 30, zone="America/New_York"))

    [notice] = notices_of(nadia.user)
    assert notice.kind == "new_booking" and notice.booking == booking and notice.read_at is None
    assert notice.text == f"New booking: Asha Verma, {format_short_day(day)}, 3:30 pm (60 min)"
    assert notice.link == f"/sessions/{booking.public_id}/"
    assert client_for(nadia.user).get(notice.link).status_code == 200  # the expert may open the session page
    assert notices_of(customer) == []  # the customer's hold and payment are not the customer's notices

    event = BookingEvent.objects.get(booking=booking, to_status=S.CONFIRMED)
    with transaction.atomic():
        notices_for_booking_event(event=event)  # the code runs again for the same event
    assert notices_of(nadia.user) == [notice]


def test_telling_the_expert_is_cheap_inside_the_booking_move(sarah, customer, django_assert_num_queries):
    booking = booked(sarah, customer, at(next_weekday(), 10))
    confirmed = BookingEvent.objects.get(booking=booking, to_status=S.CONFIRMED)
    created = BookingEvent.objects.get(booking=booking, from_status="")
    Notice.objects.all().delete()
    with transaction.atomic():
        with django_assert_num_queries(0):
            notices_for_booking_event(event=created)  # a hold: nobody is told, nothing is read
        with django_assert_num_queries(2):
            notices_for_booking_event(event=confirmed)  # the booking, then one insert
    assert len(notices_of(sarah.user)) == 1


def test_a_booking_waiting_for_approval_asks_the_expert_and_their_own_approval_tells_nothing_more(customer, settings):
    settings.APPROVAL_DEADLINE_HOURS = 2
    meera = ExpertFactory(minimum_notice_hours=0, requires_approval=True)
    day = next_weekday()
    booking = booked(meera, customer, at(day, 15, 30))
    assert booking.status == S.AWAITING_APPROVAL

    [notice] = notices_of(meera.user)
    assert notice.kind == "approval_waiting"
    assert notice.text == (f"Approval waiting: Asha Verma, {format_short_day(day)}, 3:30 pm (60 min). "
                           f"Please answer by {format_short_day(day)}, 1:30 pm.")
    booking_approve(booking_id=booking.pk, by=meera.user)
    assert notices_of(meera.user) == [notice]


def test_a_cancellation_tells_the_expert_who_cancelled(sarah, customer):
    day = next_weekday()
    by_customer = booked(sarah, customer, at(day, 10))
    by_staff = booked(sarah, UserFactory(name="Ravi Menon"), at(day, 12))
    by_expert = booked(sarah, UserFactory(), at(day, 14))
    Notice.objects.all().delete()  # the three new-booking notices

    booking_cancel_with_refund(booking_id=by_customer.pk, by=customer)
    booking_cancel_with_refund(booking_id=by_staff.pk, by=UserFactory(role=Role.STAFF, is_staff=True))
    booking_cancel_with_refund(booking_id=by_expert.pk, by=sarah.user)  # the expert knows already

    assert [(notice.kind, notice.booking_id, notice.text) for notice in notices_of(sarah.user)] == [
        ("cancelled", by_customer.pk, f"Cancelled by the customer: Asha Verma, {format_short_day(day)}, 10:00 am (60 min)"),
        ("cancelled", by_staff.pk, f"Cancelled by Serene staff: Ravi Menon, {format_short_day(day)}, 12:00 pm (60 min)"),
    ]


def test_a_cancelled_booking_that_waited_for_approval_is_told_but_an_unpaid_hold_or_a_decline_is_not(customer):
    meera = ExpertFactory(minimum_notice_hours=0, requires_approval=True)
    day = next_weekday()
    waiting = booked(meera, customer, at(day, 10))
    declined = booked(meera, UserFactory(), at(day, 12))
    unpaid = booking_hold(customer=UserFactory(), expert=meera, starts_at=at(day, 14), duration_minutes=30)
    Notice.objects.all().delete()

    booking_cancel_with_refund(booking_id=waiting.pk, by=customer)
    booking_cancel_with_refund(booking_id=unpaid.pk, by=unpaid.customer)
    booking_reject_with_refund(booking_id=declined.pk, by=meera.user)

    assert [(notice.kind, notice.booking_id) for notice in notices_of(meera.user)] == [("cancelled", waiting.pk)]


def test_a_moved_session_tells_the_expert_its_new_and_old_times(sarah, customer):
    day = next_weekday()
    booking = booked(sarah, customer, at(day, 10))
    later = next_weekday(days_ahead=9)
    booking_reschedule(booking_id=booking.pk, by=customer, starts_at=at(later, 15))

    new, moved = notices_of(sarah.user)
    assert new.kind == "new_booking" and moved.kind == "moved" and moved.booking_id == booking.pk
    assert moved.text == (f"Session moved by the customer: Asha Verma, now {format_short_day(later)}, 3:00 pm (60 min), "
                          f"was {format_short_day(day)}, 10:00 am")


# --- The header and the page ---------------------------------------------------------------------

@pytest.fixture
def two_notices(sarah, customer):
    day = next_weekday()
    kept = booked(sarah, customer, at(day, 10))
    gone = booked(sarah, UserFactory(name="Ravi Menon"), at(day, 12))
    booking_cancel_with_refund(booking_id=gone.pk, by=gone.customer)
    Notice.objects.filter(booking=kept).delete()
    return notices_of(sarah.user)  # Ravi's booking, then its cancellation


def test_the_header_counts_unread_notices_and_mark_all_as_read_clears_them(client, sarah, two_notices):
    client.force_login(sarah.user)
    page = client.get("/expert/dashboard/").content.decode()
    assert 'aria-label="Notifications, 2 unread"' in page and 'class="count-badge">2<' in page

    listing = client.get("/notifications/").content.decode()
    assert listing.index("Cancelled by the customer: Ravi Menon") < listing.index("New booking: Ravi Menon")
    assert listing.count('class="notice-item is-unread"') == 2
    assert notices_unread_count(user=sarah.user) == 2  # looking at the list reads nothing

    response = client.post("/notifications/read-all")
    assert response.status_code == 302 and response.url == "/notifications/"
    assert notices_unread_count(user=sarah.user) == 0
    listing = client.get("/notifications/").content.decode()
    assert "Marked 2 notifications as read." in listing and "All caught up." in listing
    assert 'aria-label="Notifications"' in listing and "count-badge" not in listing
    assert "is-unread" not in listing and "Mark all as read" not in listing


def test_mark_all_as_read_needs_the_csrf_token(sarah, two_notices):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sarah.user)
    assert browser.post("/notifications/read-all").status_code == 403
    assert notices_unread_count(user=sarah.user) == 2


def test_opening_a_notice_marks_only_it_read_and_follows_its_link(client, sarah, two_notices):
    first, second = two_notices
    client.force_login(sarah.user)
    response = client.get(f"/notifications/{first.pk}/open")
    assert response.status_code == 302 and response.url == f"/sessions/{first.booking.public_id}/"
    first.refresh_from_db(), second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    read_at = first.read_at
    client.get(f"/notifications/{first.pk}/open")  # again: still read, when it was first read
    first.refresh_from_db()
    assert first.read_at == read_at
    assert 'aria-label="Notifications, 1 unread"' in client.get("/expert/dashboard/").content.decode()


def test_nobody_else_can_open_someones_notice(client, two_notices):
    notice = two_notices[0]
    client.force_login(UserFactory())
    assert client.get(f"/notifications/{notice.pk}/open").status_code == 404
    assert client.get("/notifications/999999/open").status_code == 404
    client.post("/notifications/read-all")
    notice.refresh_from_db()
    assert notice.read_at is None


def test_anonymous_visitors_are_sent_to_log_in(client, two_notices):
    for method, path in (("get", "/notifications/"), ("get", f"/notifications/{two_notices[0].pk}/open"),
                         ("post", "/notifications/read-all")):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/?next="), path
    assert notices_unread_count(user=two_notices[0].user) == 2


def test_the_bell_shows_for_experts_and_for_anyone_with_notices(client, sarah, customer):
    client.force_login(customer)
    assert "nav-notices" not in client.get("/dashboard/").content.decode()
    Notice.objects.create(key="test:customer", user=customer, kind="test", text="Hello", link="/dashboard/")
    assert 'aria-label="Notifications, 1 unread"' in client.get("/dashboard/").content.decode()

    client.force_login(sarah.user)
    page = client.get("/notifications/").content.decode()
    assert 'aria-label="Notifications"' in page and "No notifications yet." in page


def test_a_notice_whose_link_leaves_the_site_goes_back_to_the_list(client, customer):
    notice = Notice.objects.create(key="test:away", user=customer, kind="test", text="Away", link="https://evil.test/")
    client.force_login(customer)
    response = client.get(f"/notifications/{notice.pk}/open")
    assert response.status_code == 302 and response.url == "/notifications/"


def test_the_badge_costs_one_query_when_signed_in_and_none_for_visitors(client, sarah, two_notices):
    with CaptureQueriesContext(connection) as visitor:
        client.get("/accounts/login/")
    assert not [query for query in visitor.captured_queries if "notifications_notice" in query["sql"]]
    client.force_login(sarah.user)
    with CaptureQueriesContext(connection) as expert:
        client.get("/expert/dashboard/")
    assert len([query for query in expert.captured_queries if "notifications_notice" in query["sql"]]) == 1


def client_for(user):
    from django.test import Client
    browser = Client()
    browser.force_login(user)
    return browser


@pytest.mark.parametrize(("read", "unread", "expected"), [(0, 0, (0, 0)), (3, 2, (5, 2)), (150, 7, (100, 7)),
                                                          (5, 140, (100, 100))])
def test_the_badge_counts_at_most_a_hundred_and_never_misses_an_unread_one(read, unread, expected):
    """However many notices an expert has collected over the years, the badge reads a bounded number
    of rows; the unread ones come first, so a few unread among thousands read are all counted."""
    from django.utils import timezone

    from serene.notifications.notices import notice_counts
    user = UserFactory()
    Notice.objects.bulk_create([Notice(key=f"read-{user.pk}-{n}", user=user, kind="booked", text="Old news",
                                       read_at=timezone.now()) for n in range(read)]
                               + [Notice(key=f"new-{user.pk}-{n}", user=user, kind="booked", text="New")
                                  for n in range(unread)])
    counts = notice_counts(user=user)
    assert (counts.total, counts.unread) == expected
