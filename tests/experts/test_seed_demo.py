import zoneinfo
from datetime import datetime

import pytest
from django.core.management import call_command

from serene.accounts.models import Role, User
from serene.experts.models import Category, Expert

pytestmark = pytest.mark.django_db


def test_seed_demo_meets_the_brief_and_is_idempotent():
    call_command("seed_demo")
    counts = (User.objects.count(), Expert.objects.count(), Category.objects.count())
    call_command("seed_demo")
    assert (User.objects.count(), Expert.objects.count(), Category.objects.count()) == counts

    experts = list(Expert.objects.all())
    assert len(experts) >= 12
    assert Category.objects.filter(experts__isnull=False).distinct().count() >= 4
    assert all(80000 <= expert.hourly_rate_minor <= 300000 for expert in experts)
    abroad = [expert for expert in experts if expert.time_zone != "Asia/Kolkata"]
    assert len(abroad) >= 2

    def observes_dst(zone):
        tz = zoneinfo.ZoneInfo(zone)
        return datetime(2026, 1, 15, tzinfo=tz).utcoffset() != datetime(2026, 7, 15, tzinfo=tz).utcoffset()
    assert any(observes_dst(expert.time_zone) for expert in abroad)
    assert User.objects.filter(email="customer@serene.test", role=Role.CUSTOMER).exists()
    assert User.objects.filter(email="expert@serene.test", role=Role.EXPERT, expert__isnull=False).exists()
    assert User.objects.filter(email="admin@serene.test", is_staff=True, is_superuser=True).exists()
    assert User.objects.get(email="customer@serene.test").check_password("serene-demo-2026")


def test_seed_demo_ratings_are_those_of_its_demo_reviews_and_both_dashboards_have_sessions():
    from django.db.models import Avg, Count

    from serene.bookings.models import Booking, BookingStatus
    from serene.bookings.selectors import blocking_overlap_pairs
    from serene.payments.models import Payment

    call_command("seed_demo")
    reviewed = Booking.objects.filter(reviewed_at__isnull=False)
    assert reviewed.count() >= 10
    assert set(reviewed.values_list("status", flat=True)) == {BookingStatus.COMPLETED}
    for expert in Expert.objects.all():
        figures = reviewed.filter(expert=expert).aggregate(average=Avg("rating"), count=Count("pk"))
        assert expert.rating_count == figures["count"], expert.slug
        assert float(expert.rating_average) == pytest.approx(figures["average"] or 0, abs=0.005), expert.slug
    assert not reviewed.exclude(customer__email__endswith="@serene.test").exists()
    customer = User.objects.get(email="customer@serene.test")
    assert Booking.objects.filter(customer=customer, status=BookingStatus.CONFIRMED).exists()
    assert Booking.objects.filter(customer=customer, status=BookingStatus.AWAITING_APPROVAL).exists()
    assert Booking.objects.filter(expert__user__email="expert@serene.test", status=BookingStatus.CONFIRMED).count() >= 2
    kept = Booking.objects.exclude(status=BookingStatus.PENDING)
    assert Payment.objects.filter(booking__in=kept).count() == kept.count()  # every demo session was paid
    assert blocking_overlap_pairs() == 0
    call_command("seed_demo")
    assert Booking.objects.filter(reviewed_at__isnull=False).count() == reviewed.count()


def test_demo_experts_have_credentials_portraits_and_staff_verification():
    call_command("seed_demo")
    call_command("seed_demo")  # verification is kept, not redone
    experts = list(Expert.objects.select_related("verified_by"))
    assert all(expert.generated_portrait and expert.qualification_list for expert in experts)
    verified = [expert for expert in experts if expert.is_verified]
    assert len(verified) >= 8
    assert all(expert.registration_body and expert.registration_number for expert in verified)
    assert {expert.verified_by.email for expert in verified} == {"admin@serene.test"}
    unregistered = [expert for expert in experts if not expert.registration_number]
    assert unregistered and not any(expert.is_verified for expert in unregistered)


def test_make_run_always_has_a_session_to_join_now(settings):
    """Each seed leaves the demo customer a paid session with the demo expert whose room is open, and
    makes a new one only when the last has passed."""
    from datetime import timedelta

    from django.utils import timezone

    from serene.bookings.join import booking_joinable
    from serene.bookings.models import Booking, BookingStatus
    from serene.bookings.selectors import blocking_overlap_pairs
    from serene.payments.models import Payment

    call_command("seed_demo")
    customer = User.objects.get(email="customer@serene.test")

    def joinable():
        return [booking for booking in Booking.objects.filter(customer=customer, expert__user__email="expert@serene.test")
                if booking_joinable(booking)]

    now_open = joinable()
    assert len(now_open) == 1 and now_open[0].status == BookingStatus.CONFIRMED
    assert Payment.objects.filter(booking=now_open[0], captured_at__isnull=False).exists()
    call_command("seed_demo")
    assert joinable() == now_open  # still open: not made twice
    # An hour and more later the call is over; the next seed makes another.
    Booking.objects.filter(pk=now_open[0].pk).update(starts_at=timezone.now() - timedelta(hours=3),
                                                     ends_at=timezone.now() - timedelta(hours=2),
                                                     blocked_until=timezone.now() - timedelta(hours=2))
    assert joinable() == []
    call_command("seed_demo")
    assert len(joinable()) == 1 and joinable()[0].pk != now_open[0].pk
    assert blocking_overlap_pairs() == 0
