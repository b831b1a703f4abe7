"""The room page: only the booking's two participants see it; a countdown before the window, the call
inside it (or a Jitsi link by setting); the room id and join URL in the sessions API."""
from __future__ import annotations

import threading
from datetime import timedelta

import jwt
import pytest
from django.db import close_old_connections
from django.test import Client

from serene.bookings.models import Booking, BookingStatus
from tests.factories import ExpertFactory, UserFactory

from .conftest import make_booking

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def room_url(booking) -> str:
    return f"/sessions/{booking.public_id}/room/"


def test_both_participants_get_the_call_with_camera_and_microphone_allowed(booking_now, customer, expert):
    for user, peer in ((customer, "Dr. Sarah Khan"), (expert.user, "Asha Verma")):
        response = signed_in(user).get(room_url(booking_now))
        assert response.status_code == 200
        policy = response["Permissions-Policy"]
        assert "camera=(self)" in policy and "microphone=(self)" in policy and "geolocation=()" in policy
        page = response.content.decode()
        assert f"Session with {peer}" in page and 'id="room-config"' in page and "js/video-room.js" in page
    booking_now.refresh_from_db()
    assert len(booking_now.video_room) >= 32


def test_anyone_else_gets_404_and_a_visitor_is_sent_to_log_in(booking_now):
    for user in (UserFactory(), ExpertFactory().user, UserFactory(is_staff=True, is_superuser=True)):
        assert signed_in(user).get(room_url(booking_now)).status_code == 404
    assert signed_in(UserFactory()).get("/sessions/not-a-uuid/room/").status_code == 404
    response = Client().get(room_url(booking_now))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")


def test_before_the_window_a_countdown_and_the_details(customer, expert, settings):
    settings.SESSION_JOIN_OPENS_MINUTES = 10
    booking = make_booking(customer=customer, expert=expert, starts_in=timedelta(hours=3))
    page = signed_in(customer).get(room_url(booking)).content.decode()
    assert "The room opens" in page and "data-opens-in" in page and "video-countdown.js" in page
    assert 'id="room-config"' not in page and "30 minutes" in page
    opens_in = int(page.split('data-opens-in="')[1].split('"')[0])
    assert 3 * 3600 - 10 * 60 - 5 <= opens_in <= 3 * 3600 - 10 * 60
    assert booking.video_room not in page  # the room id is not handed out before the window


def test_after_the_window_and_for_a_cancelled_session_no_call(customer, expert):
    over = make_booking(customer=customer, expert=expert, starts_in=timedelta(hours=-3))
    assert "room has closed" in signed_in(customer).get(room_url(over)).content.decode()
    cancelled = make_booking(customer=customer, expert=expert, status=BookingStatus.CANCELLED)
    page = signed_in(customer).get(room_url(cancelled)).content.decode()
    assert "There is no call for this session" in page and 'id="room-config"' not in page


@pytest.fixture
def jitsi(settings):
    settings.VIDEO_PROVIDER = "jitsi"
    settings.JITSI_DOMAIN = "meet.serene.example"
    settings.JITSI_APP_ID = "serene"
    settings.JITSI_APP_SECRET = "jitsi-secret-of-at-least-thirty-two-bytes"


def test_the_jitsi_provider_gives_each_participant_a_signed_room_link(booking_now, customer, expert, jitsi):
    from serene.video.models import RoomVisit
    browser = signed_in(expert.user)
    page = browser.get(room_url(booking_now)).content.decode()
    assert "video-room.js" not in page and "jwt=" not in page  # the token is handed out only on the way in
    assert f'href="/sessions/{booking_now.public_id}/room/jitsi/"' in page
    response = browser.get(f"/sessions/{booking_now.public_id}/room/jitsi/")
    assert response.status_code == 302 and response["Cache-Control"] == "no-store"
    room, token = response["Location"].removeprefix("https://meet.serene.example/").split("?jwt=")
    claims = jwt.decode(token, "jitsi-secret-of-at-least-thirty-two-bytes", algorithms=["HS256"], audience="jitsi")
    booking_now.refresh_from_db()
    assert room == claims["room"] == f"serene-{booking_now.video_room.lower()}"
    assert claims["iss"] == "serene" and claims["sub"] == "meet.serene.example"
    assert claims["context"]["user"]["email"] == expert.user.email
    assert claims["exp"] > claims["nbf"]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "another-secret-of-at-least-thirty-two-bytes", algorithms=["HS256"], audience="jitsi")
    # The visit is recorded when the call is opened; Serene cannot see the leave, so it stays blank.
    visit = RoomVisit.objects.get(booking=booking_now)
    assert (visit.user_id, visit.role, visit.left_at) == (expert.user.pk, "expert", None)


def test_opening_a_jitsi_call_again_at_once_is_the_same_visit_and_others_get_404(booking_now, customer, expert,
                                                                                  jitsi):
    from serene.video.models import RoomVisit
    way_in = f"/sessions/{booking_now.public_id}/room/jitsi/"
    for _ in range(2):  # a double click
        assert signed_in(customer).get(way_in).status_code == 302
    assert signed_in(expert.user).get(way_in).status_code == 302
    assert sorted(RoomVisit.objects.filter(booking=booking_now).values_list("role", flat=True)) == ["customer", "expert"]
    RoomVisit.objects.filter(booking=booking_now).update(joined_at=booking_now.starts_at - timedelta(minutes=9))
    signed_in(customer).get(way_in)  # a minute and more later: a new visit (back after closing the tab)
    assert RoomVisit.objects.filter(booking=booking_now, role="customer").count() == 2
    for stranger in (UserFactory(), ExpertFactory().user):
        assert signed_in(stranger).get(way_in).status_code == 404
    assert Client().get(way_in)["Location"].startswith("/accounts/login/")


def test_the_way_into_jitsi_outside_the_window_goes_back_to_the_room_page(customer, expert, jitsi, settings):
    from serene.video.models import RoomVisit
    later = make_booking(customer=customer, expert=expert, starts_in=timedelta(hours=3))
    response = signed_in(customer).get(f"/sessions/{later.public_id}/room/jitsi/")
    assert response.status_code == 302 and response["Location"] == room_url(later)
    settings.VIDEO_PROVIDER = "builtin"
    now = make_booking(customer=customer, expert=expert)
    assert signed_in(customer).get(f"/sessions/{now.public_id}/room/jitsi/")["Location"] == room_url(now)
    assert not RoomVisit.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_storm_of_opens_and_a_paused_open_make_one_visit(customer, expert, jitsi):
    """Four opens at once by one person record one visit; and an open paused right after taking the
    booking's lock makes its rival wait, which then finds that visit rather than adding one."""
    from serene.video.models import RoomVisit
    from serene.video.services import room_visit_opened
    from tests.interleave import paused_at, run_at_once

    booking = make_booking(customer=customer, expert=expert)

    def open_call():
        return room_visit_opened(booking_id=booking.pk, user_id=customer.pk, role="customer")

    ids = run_at_once([open_call] * 4)
    assert len(set(ids)) == 1 and isinstance(ids[0], int), ids
    RoomVisit.objects.all().delete()
    with paused_at("serene.video.services.lock_booking", when="after") as pause:
        first = pause.run(open_call)
        rival = pause.run_rival(open_call, wait=1.0)
        assert not rival.finished(0.5)  # it waits for the booking's lock
        pause.release()
    assert first.result() == rival.result()
    assert RoomVisit.objects.count() == 1


def test_the_sessions_api_gives_room_id_and_join_url_once_confirmed(booking_now, customer, expert):
    answer = signed_in(customer).get(f"/api/v1/sessions/{booking_now.public_id}").json()
    booking_now.refresh_from_db()
    assert answer["roomId"] == booking_now.video_room != ""
    assert answer["joinUrl"] == f"http://testserver/sessions/{booking_now.public_id}/room/"
    assert signed_in(expert.user).get(f"/api/v1/sessions/{booking_now.public_id}").json()["roomId"] == answer["roomId"]
    pending = make_booking(customer=customer, expert=expert, starts_in=timedelta(days=3),
                           status=BookingStatus.AWAITING_APPROVAL)
    answer = signed_in(customer).get(f"/api/v1/sessions/{pending.public_id}").json()
    assert answer["roomId"] is None and answer["joinUrl"] is None


@pytest.mark.django_db(transaction=True)
def test_racing_first_visits_agree_on_one_room_id(customer, expert):
    """Eight requests make the room id at once: all of them get the one that was stored."""
    from serene.video.services import booking_room_id
    booking = make_booking(customer=customer, expert=expert)
    Booking.objects.filter(pk=booking.pk).update(video_room="")  # a booking from before ids were given at creation
    start = threading.Barrier(8)
    seen, errors = [], []

    def visit():
        try:
            mine = Booking.objects.get(pk=booking.pk)
            start.wait(timeout=10)
            seen.append(booking_room_id(booking=mine))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=visit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    booking.refresh_from_db()
    assert seen == [booking.video_room] * 8


def test_staff_read_who_was_in_the_room_on_the_bookings_admin_page(booking_now, customer):
    from django.utils import timezone

    from serene.video.services import room_visit_end, room_visit_start
    visit = room_visit_start(booking_id=booking_now.pk, user_id=customer.pk, role="customer")
    room_visit_end(visit_id=visit, at=timezone.now() + timedelta(minutes=5))
    staff = UserFactory(is_staff=True, is_superuser=True)
    page = signed_in(staff).get(f"/admin/bookings/booking/{booking_now.pk}/change/").content.decode()
    assert "Video room: who joined and left" in page and customer.email in page
    listing = signed_in(staff).get("/admin/video/roomvisit/").content.decode()
    assert "1 room visit" in listing
