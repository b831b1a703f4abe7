"""Demo sessions for `seed_demo`: demo customers' completed sessions with their reviews, and paid
bookings ahead, so both dashboards, the profiles and the browse list show real records, never
typed-in figures. Each paid demo booking has its order and captured payment in the built-in
emulator too, so cancelling one refunds it through the gateway like any other.

Idempotent: it does nothing once the demo customer has bookings."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from serene.accounts.models import Role, User
from serene.availability.selectors import busy_intervals
from serene.bookings.join import booking_joinable
from serene.bookings.models import Actor, Booking, BookingEvent, BookingStatus
from serene.bookings.reviews import expert_rating_refresh
from serene.core.money import price_for_duration
from serene.experts.management.commands.seed_demo import DEMO_CUSTOMER, DEMO_PASSWORD
from serene.experts.models import Expert

from ...models import PaymentSource, PaymentStatus
from ...payment_lifecycle import payment_create

S = BookingStatus
REVIEWERS = [("priya.demo@serene.test", "Priya Nair"), ("rahul.demo@serene.test", "Rahul Mehta"),
             ("fatima.demo@serene.test", "Fatima Sheikh"), ("arjun.demo@serene.test", "Arjun Rao")]
REVIEWS = [
    (5, "Calm, practical and kind. I left with two small things to try this week, and they helped."),
    (5, "I was nervous before the first session; within ten minutes I felt heard."),
    (4, "Useful and well paced. I would have liked a little more time on the follow-up plan."),
    (5, "Clear explanations and no judgement. Booking the next one already."),
    (4, "Good session. The video dropped once, but we picked up where we left off."),
    (3, "Helpful ideas, though it felt rushed towards the end."),
    (5, ""),
    (4, "Straightforward advice that fit my week."),
]


class Command(BaseCommand):
    help = "Demo sessions: completed ones with reviews, and paid bookings ahead for both dashboards."

    @transaction.atomic
    def handle(self, *args, **options):
        customer = User.objects.filter(email__iexact=DEMO_CUSTOMER).first()
        experts = list(Expert.objects.filter(is_active=True).select_related("user").order_by("pk"))
        if customer is None or not experts:
            self.stdout.write("Run seed_demo first.")
            return
        if Booking.objects.filter(customer=customer).exists():
            self.stdout.write("Demo sessions already there.")
            self._session_to_join(customer, experts[0])
            return
        reviewers = [self._user(email, name) for email, name in REVIEWERS]
        now = timezone.now()
        made = 0
        # Completed, reviewed sessions: two to four for each of the first eight experts.
        for index, expert in enumerate(experts[:8]):
            for number in range(2 + index % 3):
                rating, words = REVIEWS[(index + number) % len(REVIEWS)]
                booking = self._booking(expert=expert, customer=reviewers[(index + number) % len(reviewers)],
                                        starts=self._at(expert, now, days=-(4 + 6 * number + index), hour=9 + number),
                                        status=S.COMPLETED)
                booking.rating, booking.review, booking.reviewed_at = rating, words, booking.ends_at + timedelta(hours=3)
                booking.save(update_fields=["rating", "review", "reviewed_at"])
                made += 1
        sarah, others = experts[0], experts[1:]
        approver = next((expert for expert in others if expert.requires_approval), others[0])
        # The demo customer: sessions ahead (one waiting for approval), and past ones to rate.
        self._booking(expert=sarah, customer=customer, starts=self._at(sarah, now, days=3, hour=11), status=S.CONFIRMED,
                      note="Work has been overwhelming; I would like to talk about switching off in the evenings.")
        self._booking(expert=approver, customer=customer, starts=self._at(approver, now, days=5, hour=16),
                      status=S.AWAITING_APPROVAL, note="First session: I would like to understand my options.")
        self._booking(expert=sarah, customer=customer, starts=self._at(sarah, now, days=-9, hour=12), status=S.COMPLETED)
        rated = self._booking(expert=others[1], customer=customer, starts=self._at(others[1], now, days=-20, hour=10),
                              status=S.COMPLETED)
        rated.rating, rated.review, rated.reviewed_at = 5, "Thoughtful and well prepared.", rated.ends_at + timedelta(hours=2)
        rated.save(update_fields=["rating", "review", "reviewed_at"])
        # The demo expert (Sarah): clients ahead, one of them today if the day has room.
        for days, hour, who in ((1, 15, 0), (2, 10, 1), (6, 17, 2)):
            self._booking(expert=sarah, customer=reviewers[who], starts=self._at(sarah, now, days=days, hour=hour),
                          status=S.CONFIRMED, note="Follow-up on last time's plan.")
        made += 8
        for expert in experts:
            expert_rating_refresh(expert=expert)
        self.stdout.write(self.style.SUCCESS(f"Demo sessions ready: {made} bookings with their payments."))
        self._session_to_join(customer, sarah)

    def _session_to_join(self, customer: User, expert: Expert) -> None:
        """A paid session of the demo customer with the demo expert whose video room is open now (it
        opens SESSION_JOIN_OPENS_MINUTES before the start), made again on each run when the last one
        has passed, so `make run` always has a call to try from both dashboards."""
        now = timezone.now()
        upcoming = Booking.objects.filter(customer=customer, expert=expert, status=S.CONFIRMED, ends_at__gt=now)
        if any(booking_joinable(booking, now) for booking in upcoming):
            return
        # The next five-minute mark at least five minutes away: inside the join window at once.
        starts = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
        starts -= timedelta(minutes=starts.minute % 5)
        ends = starts + timedelta(minutes=60 + expert.buffer_minutes)
        if busy_intervals(expert_ids=[expert.pk], start=starts, end=ends, now=now):
            self.stdout.write("The demo expert is booked for the next hour: no session to join this time.")
            return
        booking = self._booking(expert=expert, customer=customer, starts=starts, status=S.CONFIRMED,
                                note="A demo call: join from both dashboards to try the video room.")
        local = booking.starts_at.astimezone(ZoneInfo(customer.time_zone or "Asia/Kolkata"))
        self.stdout.write(self.style.SUCCESS(
            f"A demo session to join now: {customer.email} and {expert.user.email} can join it from their "
            f"dashboards (it starts at {local:%H:%M} {local.tzname()}, for an hour)."))

    def _user(self, email: str, name: str) -> User:
        user = User.objects.filter(email__iexact=email).first()
        return user or User.objects.create_user(email=email, password=DEMO_PASSWORD, name=name, role=Role.CUSTOMER,
                                                time_zone="Asia/Kolkata")

    @staticmethod
    def _at(expert: Expert, now: datetime, *, days: int, hour: int) -> datetime:
        zone = ZoneInfo(expert.time_zone)
        day = now.astimezone(zone).date() + timedelta(days=days)
        return datetime.combine(day, time(hour), tzinfo=zone).astimezone(ZoneInfo("UTC"))

    def _booking(self, *, expert: Expert, customer: User, starts: datetime, status: str, note: str = "") -> Booking:
        minutes = 60
        price = price_for_duration(hourly_rate_minor=expert.hourly_rate_minor, duration_minutes=minutes)
        ends = starts + timedelta(minutes=minutes)
        booking = Booking.objects.create(
            customer=customer, expert=expert, starts_at=starts, ends_at=ends,
            blocked_until=ends + timedelta(minutes=expert.buffer_minutes), duration_minutes=minutes, price_minor=price,
            currency=expert.currency, status=S.PENDING, customer_time_zone=customer.time_zone or "Asia/Kolkata",
            customer_note=note)
        paid_at = min(starts - timedelta(days=2), timezone.now() - timedelta(minutes=5))
        Booking.objects.filter(pk=booking.pk).update(created_at=paid_at - timedelta(minutes=3))
        booking.refresh_from_db()
        BookingEvent.objects.bulk_create([BookingEvent(booking=booking, from_status="", to_status=S.PENDING,
                                                       at=booking.created_at, actor=Actor.CUSTOMER, actor_user=customer,
                                                       reason="Held for payment.")])
        kept = S.AWAITING_APPROVAL if status == S.AWAITING_APPROVAL else S.CONFIRMED
        self._event(booking, S.PENDING, kept, paid_at, "Paid.")
        if status == S.COMPLETED:
            self._event(booking, S.CONFIRMED, S.COMPLETED, ends, "The session's time ended.")
        Booking.objects.filter(pk=booking.pk).update(status=status)
        booking.status = status
        self._payment(booking, paid_at)
        return booking

    @staticmethod
    def _event(booking: Booking, source: str, target: str, at: datetime, reason: str) -> None:
        # bulk_create sends no post_save: demo history is not news, so nobody is emailed about it.
        BookingEvent.objects.bulk_create([BookingEvent(booking=booking, from_status=source, to_status=target, at=at,
                                                       actor=Actor.SYSTEM, reason=reason)])

    @staticmethod
    def _payment(booking: Booking, paid_at: datetime) -> None:
        """The captured payment, in Serene's records and (in sandbox mode) in the emulator's."""
        from serene.payments.sandbox.models import SandboxOrder, SandboxPayment, gateway_id

        order_id, payment_id = gateway_id("order"), gateway_id("pay")
        if settings.PAYMENTS_SANDBOX:
            order = SandboxOrder.objects.create(id=order_id, amount=booking.price_minor, currency=booking.currency,
                                                receipt=str(booking.public_id), status="paid", attempts=1,
                                                amount_paid=booking.price_minor,
                                                notes={"sessionId": str(booking.public_id)})
            SandboxPayment.objects.create(id=payment_id, order=order, amount=booking.price_minor,
                                          currency=booking.currency, status="captured", method="card", captured=True,
                                          email=booking.customer.email, card_last4="1111", card_network="Visa")
        payment_create(source=PaymentSource.DEMO, reason="A demo session, paid.", at=paid_at, booking=booking,
                       gateway_order_id=order_id, receipt=str(booking.public_id), gateway_payment_id=payment_id,
                       amount_minor=booking.price_minor, currency=booking.currency, status=PaymentStatus.CAPTURED,
                       method="card", session_reported_at=paid_at)
