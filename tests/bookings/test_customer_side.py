"""The customer's side of a booking: reviews (once, only after completion, counted from real
reviews), the Join button and its link to the video room, the dashboard and session page saying
only what is true, and the payment history."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from serene.bookings.customer import customer_actions_for, join_button_for
from serene.bookings.join import session_join_path
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.reviews import AlreadyReviewed, booking_review
from serene.core.errors import Forbidden, InvalidInput, NotFound
from serene.payments.models import Payment, PaymentStatus, Refund, RefundStatus
from tests.factories import ExpertFactory, UserFactory

pytestmark = pytest.mark.django_db
S = BookingStatus


@pytest.fixture
def sarah():
    return ExpertFactory(slug="sarah", user__name="Dr. Sarah Khan", minimum_notice_hours=0)


def session(expert, *, status=S.CONFIRMED, starts_in=timedelta(days=3), customer=None, minutes=60) -> Booking:
    starts = timezone.now().replace(microsecond=0) + starts_in
    return Booking.objects.create(customer=customer or UserFactory(name="Asha Verma"), expert=expert, starts_at=starts,
                                  ends_at=starts + timedelta(minutes=minutes),
                                  blocked_until=starts + timedelta(minutes=minutes), duration_minutes=minutes,
                                  price_minor=150000, status=status, customer_time_zone="Asia/Kolkata")


# --- reviews -------------------------------------------------------------------------------------

def test_a_completed_session_is_reviewed_once_and_the_expert_average_is_the_real_one(sarah):
    first, second = session(sarah, status=S.COMPLETED, starts_in=-timedelta(days=2)), \
        session(sarah, status=S.COMPLETED, starts_in=-timedelta(days=4))
    booking_review(booking_id=first.pk, by=first.customer, rating=5, review="  Calm and practical.  ")
    booking_review(booking_id=second.pk, by=second.customer, rating=4)
    sarah.refresh_from_db()
    assert (sarah.rating_average, sarah.rating_count) == (Decimal("4.50"), 2)
    first.refresh_from_db()
    assert (first.rating, first.review) == (5, "Calm and practical.") and first.reviewed_at is not None
    with pytest.raises(AlreadyReviewed):
        booking_review(booking_id=first.pk, by=first.customer, rating=1)
    first.refresh_from_db()
    assert first.rating == 5


@pytest.mark.parametrize("status", [S.CONFIRMED, S.AWAITING_APPROVAL, S.CANCELLED, S.NO_SHOW, S.REJECTED])
def test_only_a_completed_session_can_be_reviewed(sarah, status):
    booking = session(sarah, status=status, starts_in=-timedelta(hours=3))
    with pytest.raises(InvalidInput) as error:
        booking_review(booking_id=booking.pk, by=booking.customer, rating=5)
    assert error.value.code == "not_completed"
    assert Booking.objects.get(pk=booking.pk).rating is None


def test_only_its_customer_reviews_and_the_rating_is_one_to_five(sarah):
    booking = session(sarah, status=S.COMPLETED, starts_in=-timedelta(days=1))
    with pytest.raises(Forbidden):
        booking_review(booking_id=booking.pk, by=sarah.user, rating=5)
    with pytest.raises(NotFound):
        booking_review(booking_id=booking.pk, by=UserFactory(), rating=5)
    for rating in (0, 6, -1):
        with pytest.raises(InvalidInput):
            booking_review(booking_id=booking.pk, by=booking.customer, rating=rating)
    with pytest.raises(InvalidInput):
        booking_review(booking_id=booking.pk, by=booking.customer, rating=3, review="x" * 2001)
    assert Booking.objects.get(pk=booking.pk).reviewed_at is None


def test_the_database_refuses_a_rating_without_its_review_time(sarah):
    from django.db import IntegrityError, transaction
    booking = session(sarah, status=S.COMPLETED, starts_in=-timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).update(rating=5)


def test_the_review_api_answers_each_mistake_clearly(client, sarah):
    booking = session(sarah, status=S.COMPLETED, starts_in=-timedelta(days=1))
    client.force_login(booking.customer)
    url = f"/api/v1/sessions/{booking.public_id}/review"
    assert client.post(url, data={"rating": 9}, content_type="application/json").status_code == 400
    assert client.post(url, data={"rating": "five"}, content_type="application/json").status_code == 400
    answer = client.post(url, data={"rating": 5, "review": "Helpful."}, content_type="application/json")
    assert answer.status_code == 200 and answer.json()["status"] == "completed"
    again = client.post(url, data={"rating": 5}, content_type="application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_reviewed"
    ahead = session(sarah, customer=booking.customer)
    early = client.post(f"/api/v1/sessions/{ahead.public_id}/review", data={"rating": 5},
                        content_type="application/json")
    assert early.status_code == 400 and early.json()["error"]["code"] == "not_completed"


def test_the_review_form_shows_once_and_the_profile_and_browse_list_show_the_real_figures(client, sarah):
    booking = session(sarah, status=S.COMPLETED, starts_in=-timedelta(days=1))
    client.force_login(booking.customer)
    page = client.get(f"/sessions/{booking.public_id}/").content.decode()
    assert "How was your session?" in page
    assert client.get("/").content.decode().count("★") == 0  # no reviews yet: no stars anywhere
    answer = client.post(f"/sessions/{booking.public_id}/review", {"rating": "4", "review": "Kind and clear."})
    assert answer.status_code == 302
    page = client.get(f"/sessions/{booking.public_id}/").content.decode()
    assert "How was your session?" not in page and "Your review" in page and "Kind and clear." in page
    again = client.post(f"/sessions/{booking.public_id}/review", {"rating": "1"}, follow=True).content.decode()
    assert "You have already reviewed this session." in again
    client.logout()  # as any visitor sees it
    profile = client.get("/experts/sarah/").content.decode()
    assert "Kind and clear." in profile and "★ 4.0" in profile and "(1 review)" in profile
    assert "Asha" in profile and booking.customer.email not in profile
    assert "★ 4.0" in client.get("/").content.decode()


# --- Join ----------------------------------------------------------------------------------------

def test_the_join_link_leads_to_the_video_room_once_it_opens(client, sarah, settings):
    settings.SESSION_JOIN_OPENS_MINUTES = 10
    soon, later = session(sarah, starts_in=timedelta(minutes=5)), session(sarah, starts_in=timedelta(minutes=90))
    room = f"/sessions/{soon.public_id}/room/"
    assert session_join_path(soon) == room
    assert join_button_for(booking=soon).state == "open"
    assert join_button_for(booking=later).state == "early"
    client.force_login(soon.customer)
    page = client.get(f"/sessions/{soon.public_id}/").content.decode()
    assert f' href="{room}"' in page and "Join session" in page
    client.force_login(later.customer)
    page = client.get("/dashboard/").content.decode()
    assert f' href="/sessions/{later.public_id}/room/"' not in page and "data-join-countdown" in page
    client.force_login(sarah.user)  # the expert's dashboard has the same button
    assert f' href="{room}"' in client.get("/expert/dashboard/").content.decode()


def test_no_join_button_for_a_session_that_will_not_happen_or_whose_room_closed(sarah, settings):
    settings.SESSION_JOIN_GRACE_MINUTES = 10
    assert join_button_for(booking=session(sarah, status=S.AWAITING_APPROVAL, starts_in=timedelta(minutes=5))) is None
    assert join_button_for(booking=session(sarah, status=S.CANCELLED, starts_in=timedelta(minutes=5))) is None
    assert join_button_for(booking=session(sarah, status=S.COMPLETED, starts_in=-timedelta(minutes=80))) is None


# --- what the pages say --------------------------------------------------------------------------

def test_the_customer_dashboard_lists_sessions_with_their_facts_and_moves(client, sarah):
    asha = UserFactory(name="Asha Verma", time_zone="Europe/London")
    ahead = session(sarah, customer=asha)
    waiting = session(sarah, customer=asha, status=S.AWAITING_APPROVAL, starts_in=timedelta(days=4))
    past = session(sarah, customer=asha, status=S.COMPLETED, starts_in=-timedelta(days=3))
    client.force_login(asha)
    page = client.get("/dashboard/").content.decode()
    assert "London time" in page and "Dr. Sarah Khan" in page and "60 min · ₹1,500" in page
    assert f"/sessions/{ahead.public_id}/reschedule" in page and f"/sessions/{ahead.public_id}/cancel" in page
    assert f"/sessions/{waiting.public_id}/cancel" in page and f"/sessions/{waiting.public_id}/reschedule" not in page
    assert "Waiting for approval" in page and "Rate this session" in page
    assert customer_actions_for(booking=past, user=asha) == ["review"]
    assert customer_actions_for(booking=ahead, user=sarah.user) == []


def test_an_empty_dashboard_points_to_the_experts(client):
    client.force_login(UserFactory())
    page = client.get("/dashboard/").content.decode()
    assert "No upcoming sessions." in page and 'href="/"' in page and "Browse experts" in page


def test_waiting_for_approval_is_never_shown_as_confirmed(client, sarah):
    booking = session(sarah, status=S.AWAITING_APPROVAL)
    client.force_login(booking.customer)
    for path in ("/dashboard/", f"/sessions/{booking.public_id}/", f"/sessions/{booking.public_id}/cancel"):
        page = client.get(path).content.decode()
        assert "Confirmed" not in page and "is confirmed" not in page, path
        assert "approval" in page, path
    assert "Until they do, you can cancel with a full refund" in client.get(
        f"/sessions/{booking.public_id}/").content.decode()


def test_an_expert_who_books_as_a_client_reaches_their_own_bookings(client, sarah):
    other = ExpertFactory(user__name="Dr. Meera Rao")
    booking = session(other, customer=sarah.user)
    client.force_login(sarah.user)
    assert client.get("/dashboard/")["Location"] == "/expert/dashboard/"
    assert "Sessions I booked" in client.get("/expert/dashboard/").content.decode()
    page = client.get("/dashboard/?as=client").content.decode()
    assert "Dr. Meera Rao" in page and f"/sessions/{booking.public_id}/cancel" in page


def test_the_payment_history_lists_payments_and_refunds_with_their_states(client, sarah):
    booking = session(sarah, status=S.CANCELLED)
    payment = Payment.objects.create(booking=booking, gateway_order_id="order_A1", gateway_payment_id="pay_A1",
                                     amount_minor=150000, currency="INR", status=PaymentStatus.REFUNDED)
    Refund.objects.create(payment=payment, gateway_refund_id="rfnd_A1", amount_minor=150000, reason="Cancelled.",
                          status=RefundStatus.PROCESSED)
    kept = session(sarah, customer=booking.customer, starts_in=timedelta(days=5))
    Payment.objects.create(booking=kept, gateway_order_id="order_B1", gateway_payment_id="pay_B1", amount_minor=150000,
                           currency="INR", status=PaymentStatus.CAPTURED)
    client.force_login(booking.customer)
    page = client.get("/dashboard/payments/").content.decode()
    assert "pay_A1" in page and "rfnd_A1" in page and "Refunded" in page and "pay_B1" in page and ">Paid</span>" in page
    client.force_login(UserFactory())
    assert "No payments yet." in client.get("/dashboard/payments/").content.decode()


def test_the_policy_text_comes_from_the_window_setting(client, sarah, settings):
    from serene.bookings.policy import cancellation_policy_text
    settings.CANCELLATION_WINDOW_HOURS = 48
    assert "48 hours" in cancellation_policy_text()
    page = client.get("/experts/sarah/").content.decode()
    assert "Free cancellation up to 48 hours before" in page and "24 hours" not in page
