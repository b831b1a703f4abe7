"""The data of bench/scale.py: a practice's history built with bulk_create, rows shaped as the
services leave them (not made through the services one by one, which would take hours at 100,000).

A *world* is one database (an SQLite file, or a PostgreSQL schema) holding one size of one series:

- `bookings` N: one expert (the measured one) with N bookings, nine others with a few each.
- `experts` N: N experts, each with weekly hours, a day off or two, languages and some bookings.
- `customer` N: a customer with N sessions (four of them ahead) over thirty experts, who have
  sessions of their own.

Every booking state is there, as the services write it: pending with a live hold and an open order;
confirmed and awaiting_approval ahead, paid; completed (many reviewed, the expert's rating computed
from those reviews) and no-show behind, paid; cancelled in time (refunded in full: refund_reason,
a processed Refund), cancelled late (not_refunded); rejected (refunded in full); expired (an order
nobody paid); a completed session refunded in part from the Razorpay Dashboard (an external Refund).
An expert works Monday to Saturday except their days off, at most eight sessions a day in whole
hours of their own zone, history going back as far as the count needs and a few weeks ahead within
the booking horizon. Some names are long. BookingEvent timelines are left out (no measured page reads
more than one booking's).

Run bench/scale.py; this module only builds.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

UTC = ZoneInfo("UTC")
CATEGORIES = [("therapy", "Therapy & counselling"), ("life-coaching", "Life coaching"), ("nutrition", "Nutrition"),
              ("mindfulness", "Mindfulness & meditation"), ("career", "Career coaching")]
LANGUAGES = [("en", "English"), ("hi", "Hindi"), ("ta", "Tamil"), ("bn", "Bengali"), ("mr", "Marathi"),
             ("kn", "Kannada"), ("ml", "Malayalam"), ("te", "Telugu"), ("gu", "Gujarati"), ("pa", "Punjabi"),
             ("ar", "Arabic"), ("fr", "French")]
ZONES = ["Asia/Kolkata"] * 8 + ["Europe/London", "Asia/Dubai", "America/New_York"]
FIRST = ["Aarav", "Ananya", "Rohan", "Meera", "Arjun", "Emily", "Fatima", "Vikram", "Priya", "Kavya", "Nikhil",
         "Daniel", "Sneha", "Farhan", "Ishaan", "Diya", "Kabir", "Zara", "Aditya", "Lakshmi"]
LAST = ["Khan", "Iyer", "Mehta", "Nair", "Rao", "Clarke", "Al-Sayed", "Singh", "Banerjee", "Reddy", "Joshi",
        "Brooks", "Kulkarni", "Qureshi", "Menon", "Pillai", "Shah", "Das", "Ghosh", "Verma"]
LONG_NAME = "Dr. {first} Anantharamakrishnan Venkatasubramanian-Chattopadhyay {last}"
REVIEWS = ["Calm, practical and kind. I left with two small things to try this week, and they helped.",
           "I was nervous before the first session; within ten minutes I felt heard.",
           "Useful and well paced. I would have liked a little more time on the follow-up plan.", "",
           "Clear explanations and no judgement. Booking the next one already. " * 6]
HOURS = list(range(9, 17))  # a session starts on the hour, 09:00 to 16:00 on the expert's clock
MAX_A_DAY = 8


@dataclass
class Built:
    """What scale.py needs from a world: whom to sign in as and whose pages to ask for."""
    kind: str
    size: int
    expert_user_id: int | None = None
    expert_slug: str = ""
    customer_user_id: int | None = None
    staff_user_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)


def _name(rng: random.Random, number: int) -> str:
    first, last = FIRST[number % len(FIRST)], LAST[(number * 7 + 3) % len(LAST)]
    return LONG_NAME.format(first=first, last=last) if number % 9 == 4 else f"{first} {last}"


class Builder:
    def __init__(self, *, seed: int, now: datetime) -> None:
        from django.db import connection
        self.rng = random.Random(seed)
        self.now = now
        self.vendor = connection.vendor
        self.serial = 0
        self.customer_busy: set[tuple[int, datetime]] = set()

    # --- people and catalogue ------------------------------------------------------------------
    def catalogue(self) -> None:
        from serene.experts.models import Category, Language
        self.categories = Category.objects.bulk_create(
            [Category(slug=slug, name=name, position=position) for position, (slug, name) in enumerate(CATEGORIES)])
        self.languages = Language.objects.bulk_create([Language(code=code, name=name) for code, name in LANGUAGES])

    def users(self, count: int, *, role: str, prefix: str) -> list:
        from serene.accounts.models import User
        start = self.serial
        self.serial += count
        users = [User(email=f"{prefix}{start + number}@scale.test", name=_name(self.rng, start + number), role=role,
                      password="!unusable", time_zone=self.rng.choice(ZONES)) for number in range(count)]
        return User.objects.bulk_create(users, batch_size=2000)

    def experts(self, count: int, *, slug_prefix: str = "expert") -> list:
        from serene.availability.models import DateOverride, WeeklySchedule
        from serene.experts.models import Expert
        users = self.users(count, role="expert", prefix=f"{slug_prefix}-")
        rng = self.rng
        experts = []
        for number, user in enumerate(users):
            durations = rng.choice([[30, 60], [30, 60, 90], [60], [60, 90]])
            experts.append(Expert(
                user=user, slug=f"{slug_prefix}-{number:05d}", headline=rng.choice(
                    ["Clinical Psychologist · anxiety and burnout", "Career coach for first-time managers",
                     "Registered Dietitian · PCOS and diabetes", "Mindfulness teacher · sleep and stress · " * 3]),
                bio="I help adults who feel stretched thin.\n\n" + "My sessions draw on CBT and ACT. " * rng.randint(1, 12),
                category=rng.choice(self.categories), years_experience=rng.randint(1, 30),
                hourly_rate_minor=rng.randint(8, 40) * 10000, currency="INR", time_zone=user.time_zone,
                offered_durations=durations, slot_interval_minutes=rng.choice([15, 30, 60]),
                buffer_minutes=0, minimum_notice_hours=rng.choice([0, 4, 12]), booking_horizon_days=60,
                requires_approval=number % 8 == 5, generated_portrait=number % 2 == 0,
                qualifications="M.Phil. Clinical Psychology, NIMHANS Bengaluru (2014)",
                registration_body="Rehabilitation Council of India", registration_number=f"CRR A{number:05d}"))
        experts = Expert.objects.bulk_create(experts, batch_size=2000)
        through = Expert.languages.through
        through.objects.bulk_create([through(expert_id=expert.pk, language_id=language.pk) for expert in experts
                                     for language in rng.sample(self.languages, rng.randint(1, 3))], batch_size=5000)
        schedules, overrides = [], []
        self.days_off: dict[int, set[date]] = {}
        today = self.now.date()
        for number, expert in enumerate(experts):
            morning, afternoon = {"start": "09:00", "end": "13:00"}, {"start": "14:00", "end": "17:00"}
            workday = [{"start": "09:00", "end": "17:00"}] if number % 3 else [morning, afternoon]
            hours = {str(day): workday for day in range(1, 6)}
            hours["0"], hours["6"] = [], ([{"start": "10:00", "end": "14:00"}] if number % 4 == 0 else [])
            breaks = [{"start": "13:00", "end": "14:00", "days": [1, 2, 3, 4, 5]}] if number % 3 == 1 else []
            schedules.append(WeeklySchedule(expert=expert, weekly_hours=hours, breaks=breaks))
            off = today + timedelta(days=rng.randint(1, 20))
            holiday = today - timedelta(days=rng.randint(30, 300))
            self.days_off[expert.pk] = {off, *(holiday + timedelta(days=day) for day in range(7))}
            overrides.append(DateOverride(expert=expert, start_date=off, end_date=off, ranges=[], note="Day off"))
            overrides.append(DateOverride(expert=expert, start_date=holiday, end_date=holiday + timedelta(days=6),
                                          ranges=[], note="Holiday"))
            if number % 5 == 0:
                other = today + timedelta(days=rng.randint(21, 40))
                overrides.append(DateOverride(expert=expert, start_date=other, end_date=other,
                                              ranges=[{"start": "12:00", "end": "15:00"}], note="Short day"))
        WeeklySchedule.objects.bulk_create(schedules, batch_size=2000)
        DateOverride.objects.bulk_create(overrides, batch_size=2000)
        return experts

    # --- bookings -------------------------------------------------------------------------------
    def starts(self, expert, *, past: int, ahead: int, hours: list[int] = HOURS, busiest: int = MAX_A_DAY) -> list[datetime]:
        """Start instants: `past` sessions back from yesterday, `ahead` from tomorrow within the horizon,
        Monday to Saturday, none on a day off, at most `busiest` a day."""
        zone = ZoneInfo(expert.time_zone)
        today = self.now.astimezone(zone).date()
        days_off = self.days_off.get(expert.pk, set())
        found: list[datetime] = []
        for count, step in ((past, -1), (ahead, 1)):
            day, left = today, count
            while left > 0:
                day += timedelta(days=step)
                if step > 0 and (day - today).days >= expert.booking_horizon_days:
                    break
                if day.isoweekday() == 7 or day in days_off:
                    continue
                taken = min(left, self.rng.randint(max(1, busiest // 2), busiest))
                for hour in sorted(self.rng.sample(hours, min(taken, len(hours)))):
                    found.append(datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC))
                left -= taken
        return found

    def bookings(self, plan: list[tuple[object, datetime]], customers: list, *, fixed_customer=None) -> dict[str, int]:
        """Bookings at the planned (expert, start)s, in every state, with their payments and refunds."""
        from serene.bookings.models import Booking
        from serene.payments.models import Payment, Refund
        rng, now = self.rng, self.now
        rows, money = [], []
        for expert, starts in plan:
            minutes = rng.choice([m for m in expert.offered_durations if m <= 60] or [60])
            ends = starts + timedelta(minutes=minutes)
            ahead = starts > now
            customer = fixed_customer or self._customer_for(customers, starts)
            status, outcome, paid = self._state(ahead=ahead, roll=rng.random(), expert=expert)
            price = expert.hourly_rate_minor * minutes // 60
            booking = Booking(customer=customer, expert=expert, starts_at=starts, ends_at=ends,
                              blocked_until=ends + timedelta(minutes=expert.buffer_minutes), duration_minutes=minutes,
                              price_minor=price, currency="INR", status=status, money_outcome=outcome,
                              customer_time_zone=customer.time_zone,
                              customer_note="Work has been overwhelming; I would like to talk about switching off."
                              if rng.random() < 0.3 else "")
            if status == "pending":
                booking.hold_expires_at = now + timedelta(minutes=rng.randint(2, 9))
            elif status == "expired":
                booking.hold_expires_at = min(starts - timedelta(days=rng.randint(1, 5)), now - timedelta(minutes=20))
            if status in ("cancelled", "rejected"):
                booking.cancelled_at = min(starts - timedelta(hours=rng.randint(1, 72)), now)
                booking.cancelled_by = customer if status == "cancelled" else expert.user
                booking.cancellation_reason = "Something came up at work." if status == "cancelled" else "Not the right fit."
            if status == "completed" and rng.random() < 0.4:
                booking.rating = rng.choice([3, 4, 4, 5, 5, 5])
                booking.review = rng.choice(REVIEWS)
                booking.reviewed_at = min(ends + timedelta(hours=rng.randint(1, 48)), now)
            rows.append(booking)
            money.append(paid)
        rows = Booking.objects.bulk_create(rows, batch_size=2000)
        payments, refunds = [], []
        for booking, paid in zip(rows, money):
            self.serial += 1
            tag = f"{self.serial:012d}"
            payment = Payment(booking=booking, gateway_order_id=f"order_sc{tag}", receipt=str(booking.public_id),
                              amount_minor=booking.price_minor, currency="INR")
            if paid is None:  # an order opened and never paid: a live hold, or a hold that ran out
                payment.status = "created" if booking.status == "pending" or self.rng.random() < 0.5 else "failed"
            else:
                payment.gateway_payment_id, payment.method = f"pay_sc{tag}", "card"
                payment.captured_at = booking.starts_at - timedelta(days=2) if booking.starts_at - timedelta(days=2) < self.now \
                    else self.now - timedelta(hours=1)
                payment.session_reported_at = payment.captured_at
                payment.status = {"full": "refunded", "part": "partially_refunded"}.get(paid, "captured")
                if paid == "full":
                    payment.refund_reason = "Cancelled in time: refunded in full."
            payments.append(payment)
        payments = Payment.objects.bulk_create(payments, batch_size=2000)
        for payment, paid in zip(payments, money):
            if paid in ("full", "part"):
                self.serial += 1
                amount = payment.amount_minor if paid == "full" else payment.amount_minor // 2
                refunds.append(Refund(payment=payment, gateway_refund_id=f"rfnd_sc{self.serial:012d}",
                                      receipt=None if paid == "part" else f"serene-refund-{self.serial}",
                                      amount_minor=amount, status="processed", external=paid == "part",
                                      reason=payment.refund_reason or "Refunded in the Razorpay Dashboard"))
        Refund.objects.bulk_create(refunds, batch_size=2000)
        self._backdate()
        statuses: dict[str, int] = {}
        for booking in rows:
            statuses[booking.status] = statuses.get(booking.status, 0) + 1
        return statuses

    def _customer_for(self, customers: list, starts: datetime):
        for _ in range(20):
            customer = self.rng.choice(customers)
            if (customer.pk, starts) not in self.customer_busy:
                self.customer_busy.add((customer.pk, starts))
                return customer
        return customer

    def _state(self, *, ahead: bool, roll: float, expert) -> tuple[str, str, str | None]:
        """(status, money_outcome, paid: None unpaid / "kept" / "full" refund / "part" refund)."""
        if ahead:
            if roll < 0.02:
                return "pending", "", None
            if roll < 0.06:
                return "expired", "", None
            if roll < 0.14:
                return "cancelled", "refunded_in_full", "full"
            if roll < 0.16:
                return "rejected", "refunded_in_full", "full"
            if expert.requires_approval and roll < 0.30:
                return "awaiting_approval", "", "kept"
            return "confirmed", "", "kept"
        if roll < 0.04:
            return "expired", "", None
        if roll < 0.11:
            return "cancelled", "refunded_in_full", "full"
        if roll < 0.13:
            return "cancelled", "not_refunded", "kept"
        if roll < 0.15:
            return "rejected", "refunded_in_full", "full"
        if roll < 0.19:
            return "no-show", "", "kept"
        if roll < 0.20:
            return "completed", "refunded_in_part", "part"
        return "completed", "", "kept"

    def _backdate(self) -> None:
        """created_at as the services leave it: a booking is made days before it starts (bulk_create
        stamps now), its payment a few minutes later."""
        from django.db import connection
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute("UPDATE bookings_booking SET created_at = LEAST(starts_at - interval '3 days', now()), "
                               "updated_at = LEAST(starts_at, now()) WHERE created_at > now() - interval '1 hour'")
                cursor.execute("UPDATE payments_payment p SET created_at = b.created_at + interval '3 minutes', "
                               "updated_at = b.updated_at FROM bookings_booking b WHERE b.id = p.booking_id "
                               "AND p.created_at > now() - interval '1 hour'")
                cursor.execute("UPDATE payments_refund r SET created_at = p.updated_at, updated_at = p.updated_at "
                               "FROM payments_payment p WHERE p.id = r.payment_id "
                               "AND r.created_at > now() - interval '1 hour'")
            else:
                cursor.execute("UPDATE bookings_booking SET created_at = MIN(datetime(starts_at, '-3 days'), "
                               "datetime('now')), updated_at = MIN(starts_at, datetime('now')) "
                               "WHERE created_at > datetime('now', '-1 hour')")
                cursor.execute("UPDATE payments_payment SET created_at = (SELECT datetime(b.created_at, '+3 minutes') "
                               "FROM bookings_booking b WHERE b.id = booking_id), updated_at = (SELECT b.updated_at "
                               "FROM bookings_booking b WHERE b.id = booking_id) WHERE created_at > datetime('now', '-1 hour')")
                cursor.execute("UPDATE payments_refund SET created_at = (SELECT p.updated_at FROM payments_payment p "
                               "WHERE p.id = payment_id), updated_at = (SELECT p.updated_at FROM payments_payment p "
                               "WHERE p.id = payment_id) WHERE created_at > datetime('now', '-1 hour')")

    def ratings(self) -> None:
        """Each expert's rating from their reviews, as expert_rating_refresh computes it."""
        from django.db import connection
        average = "ROUND(AVG(b.rating)::numeric, 2)" if self.vendor == "postgresql" else "ROUND(AVG(b.rating), 2)"
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE experts_expert SET rating_count = COALESCE((SELECT COUNT(*) FROM bookings_booking b "
                           f"WHERE b.expert_id = experts_expert.id AND b.reviewed_at IS NOT NULL), 0), "
                           f"rating_average = COALESCE((SELECT {average} FROM bookings_booking b "
                           f"WHERE b.expert_id = experts_expert.id AND b.reviewed_at IS NOT NULL), 0)")


def build_world(*, kind: str, size: int, now: datetime, seed: int = 18) -> Built:
    """Fill the current (empty, migrated) database with one world; return who to sign in as."""
    from django.db import transaction
    from serene.accounts.models import User
    builder = Builder(seed=seed * 1_000_003 + size, now=now)
    built = Built(kind=kind, size=size)
    with transaction.atomic():
        builder.catalogue()
        staff = User.objects.create(email="staff@scale.test", name="Serene Staff", role="staff", is_staff=True,
                                    is_superuser=True, password="!unusable", time_zone="Asia/Kolkata")
        built.staff_user_id = staff.pk
        if kind == "bookings":
            experts = builder.experts(10)
            measured = experts[0]
            measured.requires_approval = True  # so every state, awaiting_approval too, is on its pages
            measured.save(update_fields=["requires_approval"])
            customers = builder.users(max(50, min(size // 20, 3000)), role="customer", prefix="client-")
            ahead = min(size // 10, 240)
            plan = [(measured, starts) for starts in builder.starts(measured, past=size - ahead, ahead=ahead)]
            for expert in experts[1:]:
                plan += [(expert, starts) for starts in builder.starts(expert, past=16, ahead=4)]
            built.counts = builder.bookings(plan, customers)
            built.expert_user_id, built.expert_slug = measured.user_id, measured.slug
        elif kind == "experts":
            experts = builder.experts(size)
            customers = builder.users(max(50, min(size * 2, 4000)), role="customer", prefix="client-")
            plan = []
            for expert in experts:
                plan += [(expert, starts) for starts in builder.starts(expert, past=8, ahead=4, busiest=3)]
            built.counts = builder.bookings(plan, customers)
            measured = experts[len(experts) // 2]
            built.expert_user_id, built.expert_slug = measured.user_id, measured.slug
        elif kind == "customer":
            experts = builder.experts(30)
            others = builder.users(200, role="customer", prefix="client-")
            customer = builder.users(1, role="customer", prefix="customer-")[0]
            plan = []
            for expert in experts:  # the experts' other clients: mornings
                plan += [(expert, starts) for starts in builder.starts(expert, past=10, ahead=3, hours=[9, 10, 11],
                                                                          busiest=2)]
            counts = builder.bookings(plan, others)
            # The customer: one session a day at most, afternoons, a few ahead, with any of the thirty.
            mine, today = [], now.date()
            # A few ahead (a person books the next few, however long their history), the rest behind.
            ahead = min(size, 4)
            for wanted, step in ((ahead, 2), (size - ahead, -2)):
                offset, taken = step // 2, 0
                while taken < wanted:
                    day = today + timedelta(days=offset)
                    expert = experts[(abs(offset) * 7) % len(experts)]
                    offset += step
                    if day.isoweekday() == 7 or day in builder.days_off[expert.pk]:
                        continue
                    zone = ZoneInfo(expert.time_zone)
                    mine.append((expert, datetime.combine(day, time(14 + abs(offset) % 3), tzinfo=zone).astimezone(UTC)))
                    taken += 1
            for status, count in builder.bookings(mine, [], fixed_customer=customer).items():
                counts[f"customer's {status}"] = count
            built.counts = counts
            built.customer_user_id = customer.pk
            built.expert_slug = experts[0].slug
        else:
            raise ValueError(f"no such world: {kind}")
        builder.ratings()
    return built


if __name__ == "__main__":
    print(__doc__)
    print("(nothing to run here: bench/scale.py builds its worlds with this module)")
