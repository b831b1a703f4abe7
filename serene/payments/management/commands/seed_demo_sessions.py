"""Demo sessions for `seed_demo`: demo customers' completed sessions with their reviews, and paid
bookings ahead, so both dashboards, the profiles and the browse list show real records, never
typed-in figures. Each paid demo booking has its order and captured payment in the built-in
emulator too, so cancelling one refunds it through the gateway like any other.

Every session lives through the product's own services, at the times it would have: held
(bookings.services.booking_hold_record), paid and confirmed (booking_confirm_paid) or left waiting
for approval and approved (booking_move), completed after its end (booking_complete) and reviewed
(booking_review, which has the experts app store the rating), so each has its whole timeline. It
all runs as history (bookings.signals.recording_history): the events say it is not news, and
nobody is emailed or notified about the demo past.

Idempotent: it does nothing once the demo customer has bookings."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from serene.accounts.models import Role, User
from serene.accounts.services import user_demo_ensure
from serene.availability.selectors import busy_intervals
from serene.bookings.join import booking_joinable
from serene.bookings.lifecycle import EXPERT, booking_move
from serene.bookings.models import Booking, BookingStatus
from serene.bookings.moves import booking_complete
from serene.bookings.reviews import booking_review
from serene.bookings.services import booking_confirm_paid, booking_hold_record
from serene.bookings.signals import recording_history
from serene.bookings.locks import lock_booking
from serene.experts.management.commands.seed_demo import DEMO_CUSTOMER, DEMO_PASSWORD
from serene.experts.models import Expert

from ...models import PaymentSource, PaymentStatus
from ...payment_lifecycle import payment_create

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

    def handle(self, *args, **options):
        with transaction.atomic(), recording_history():
            self._seed()

    def _seed(self) -> None:
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
                reviewer = reviewers[(index + number) % len(reviewers)]
                booking = self._booking(expert=expert, customer=reviewer,
                                        starts=self._at(expert, now, days=-(4 + 6 * number + index), hour=9 + number),
                                        status=BookingStatus.COMPLETED)
                booking_review(booking_id=booking.pk, by=reviewer, rating=rating, review=words,
                               at=booking.ends_at + timedelta(hours=3))
                made += 1
        sarah, others = experts[0], experts[1:]
        approver = next((expert for expert in others if expert.requires_approval), others[0])
        # The demo customer: sessions ahead (one waiting for approval), and past ones to rate.
        self._booking(expert=sarah, customer=customer, starts=self._at(sarah, now, days=3, hour=11), status=BookingStatus.CONFIRMED,
                      note="Work has been overwhelming; I would like to talk about switching off in the evenings.")
        self._booking(expert=approver, customer=customer, starts=self._at(approver, now, days=5, hour=16),
                      status=BookingStatus.AWAITING_APPROVAL, note="First session: I would like to understand my options.")
        self._booking(expert=sarah, customer=customer, starts=self._at(sarah, now, days=-9, hour=12), status=BookingStatus.COMPLETED)
        rated = self._booking(expert=others[1], customer=customer, starts=self._at(others[1], now, days=-20, hour=10),
                              status=BookingStatus.COMPLETED)
        booking_review(booking_id=rated.pk, by=customer, rating=5, review="Thoughtful and well prepared.",
                       at=rated.ends_at + timedelta(hours=2))
        # The demo expert (Sarah): clients ahead, one of them today if the day has room.
        for days, hour, who in ((1, 15, 0), (2, 10, 1), (6, 17, 2)):
            self._booking(expert=sarah, customer=reviewers[who], starts=self._at(sarah, now, days=days, hour=hour),
                          status=BookingStatus.CONFIRMED, note="Follow-up on last time's plan.")
        made += 8
        self.stdout.write(self.style.SUCCESS(f"Demo sessions ready: {made} bookings with their payments."))
        self._session_to_join(customer, sarah)

    def _session_to_join(self, customer: User, expert: Expert) -> None:
        """A paid session of the demo customer with the demo expert whose video room is open now (it
        opens SESSION_JOIN_OPENS_MINUTES before the start), made again on each run when the last one
        has passed, so `make run` always has a call to try from both dashboards."""
        now = timezone.now()
        upcoming = Booking.objects.filter(customer=customer, expert=expert, status=BookingStatus.CONFIRMED, ends_at__gt=now)
        if any(booking_joinable(booking, now) for booking in upcoming):
            return
        # The next five-minute mark at least five minutes away: inside the join window at once.
        starts = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
        starts -= timedelta(minutes=starts.minute % 5)
        ends = starts + timedelta(minutes=60 + expert.buffer_minutes)
        if busy_intervals(expert_ids=[expert.pk], start=starts, end=ends, now=now):
            self.stdout.write("The demo expert is booked for the next hour: no session to join this time.")
            return
        booking = self._booking(expert=expert, customer=customer, starts=starts, status=BookingStatus.CONFIRMED,
                                note="A demo call: join from both dashboards to try the video room.")
        local = booking.starts_at.astimezone(ZoneInfo(customer.time_zone or "Asia/Kolkata"))
        self.stdout.write(self.style.SUCCESS(
            f"A demo session to join now: {customer.email} and {expert.user.email} can join it from their "
            f"dashboards (it starts at {local:%H:%M} {local.tzname()}, for an hour)."))

    def _user(self, email: str, name: str) -> User:
        return user_demo_ensure(email=email, name=name, password=DEMO_PASSWORD, role=Role.CUSTOMER,
                                time_zone="Asia/Kolkata")

    @staticmethod
    def _at(expert: Expert, now: datetime, *, days: int, hour: int) -> datetime:
        zone = ZoneInfo(expert.time_zone)
        day = now.astimezone(zone).date() + timedelta(days=days)
        return datetime.combine(day, time(hour), tzinfo=zone).astimezone(ZoneInfo("UTC"))

    def _booking(self, *, expert: Expert, customer: User, starts: datetime, status: str, note: str = "") -> Booking:
        """A paid 60-minute session brought to `status` (confirmed, awaiting approval or completed)
        through the moves the product makes, each at the time it would have been made."""
        paid_at = min(starts - timedelta(days=2), timezone.now() - timedelta(minutes=5))
        booking = booking_hold_record(customer=customer, expert=expert, starts_at=starts, duration_minutes=60,
                                      held_at=paid_at - timedelta(minutes=3), customer_note=note)
        locked = lock_booking(booking_id=booking.pk)
        if not booking_confirm_paid(locked=locked, now=paid_at):
            raise CommandError(f"Could not keep the demo session of {expert} at {starts:%Y-%m-%d %H:%M} UTC.")
        booking = locked.booking
        self._payment(booking, paid_at)
        if booking.status == BookingStatus.AWAITING_APPROVAL and status != BookingStatus.AWAITING_APPROVAL:
            # Answered within two hours, and before the session and now, whichever comes first.
            approved_at = paid_at + min(timedelta(hours=2), (min(starts, timezone.now()) - paid_at) / 2)
            booking_move(booking=booking, to=BookingStatus.CONFIRMED, actor=EXPERT, by=expert.user, reason="Approved.",
                         now=approved_at)
        if status == BookingStatus.COMPLETED:
            booking_complete(booking_id=booking.pk, now=booking.ends_at)
            booking.refresh_from_db()
        return booking

    @staticmethod
    def _payment(booking: Booking, paid_at: datetime) -> None:
        """The captured payment, in Serene's records and (in sandbox mode) in the emulator's."""
        from serene.payments.sandbox.models import gateway_id
        from serene.payments.sandbox.services import order_paid_for_demo

        if settings.PAYMENTS_SANDBOX:
            paid = order_paid_for_demo(amount=booking.price_minor, currency=booking.currency,
                                       receipt=str(booking.public_id), notes={"sessionId": str(booking.public_id)},
                                       email=booking.customer.email)
            order_id, payment_id = paid.order_id, paid.id
        else:
            order_id, payment_id = gateway_id("order"), gateway_id("pay")
        payment_create(source=PaymentSource.DEMO, reason="A demo session, paid.", at=paid_at, booking=booking,
                       gateway_order_id=order_id, receipt=str(booking.public_id), gateway_payment_id=payment_id,
                       amount_minor=booking.price_minor, currency=booking.currency, status=PaymentStatus.CAPTURED,
                       method="card", session_reported_at=paid_at)
