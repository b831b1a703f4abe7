"""Each app writes only its own models, through its own services (docs/architecture.md). Every test
runs under the watch of tests/writes.py (tests/conftest.py); these walk the paths that once crossed
(a review's rating, the video room id, the rules cache's stamp, the demo seed) and a booking's life,
and check that each table is written by its own app's module. A static scan adds that no module
writes another app's model through its manager."""
import ast
import json
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction

import serene
from serene.bookings.locks import lock_booking
from serene.availability.models import DateOverride, WeeklySchedule
from serene.bookings.models import Booking
from serene.bookings.moves import booking_complete
from serene.bookings.reviews import booking_review
from serene.bookings.services import booking_clear_way_to_confirm, booking_confirm_paid, booking_hold
from serene.payments.cancellations import booking_cancel_with_refund
from serene.video.services import booking_room_id
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory
from tests.writes import SERENE, foreign_writes, watch_writes

pytestmark = pytest.mark.django_db


def _confirmed(expert, customer, starts) -> Booking:
    held = booking_hold(customer=customer, expert=expert, starts_at=starts, duration_minutes=60)
    with transaction.atomic():
        locked = lock_booking(booking_id=held.pk)
        assert booking_confirm_paid(locked=locked, now=booking_clear_way_to_confirm(locked=locked))
    held.refresh_from_db()
    return held


def test_the_watch_sees_a_module_of_one_app_write_anothers_model(customer):
    """The guard itself: code of the video app that updates a booking is caught."""
    expert = ExpertFactory(minimum_notice_hours=0)
    booking = _confirmed(expert, customer, at(next_weekday(), 10))
    code = compile('Booking.objects.filter(pk=pk).update(video_room="")', f"{SERENE}/video/not_a_module.py", "exec")
    with watch_writes() as seen:
        exec(code, {"__name__": "serene.video.not_a_module", "Booking": Booking, "pk": booking.pk})  # noqa: S102
    assert foreign_writes(seen) == ["serene.video.not_a_module (video) writes bookings_booking (bookings)"]


def test_a_booking_from_hold_to_review_writes_each_table_through_its_own_app(customer):
    expert = ExpertFactory(minimum_notice_hours=0, buffer_minutes=0)
    with watch_writes() as seen:
        booking = _confirmed(expert, customer, at(next_weekday(), 10))  # holds, confirms, emails, notices
        Booking.objects.filter(pk=booking.pk).update(video_room="")  # a booking from before ids were given
        booking.refresh_from_db()
        assert booking_room_id(booking=booking)  # the video app asks; bookings writes the id
        assert booking_complete(booking_id=booking.pk, now=booking.ends_at) == 1
        booking_review(booking_id=booking.pk, by=customer, rating=4, review="Kind and clear.")
    tables = {write.table for write in seen}
    assert {"bookings_booking", "bookings_bookingevent", "notifications_message", "notifications_notice",
            "experts_expert"} <= tables
    assert {write.writer for write in seen if write.table == "experts_expert"} == {"serene.experts.services"}
    assert {write.writer for write in seen if write.table == "bookings_booking"} <= {
        "serene.bookings.services", "serene.bookings.lifecycle", "serene.bookings.reviews"}
    assert foreign_writes(seen) == []


def test_a_cancellation_with_its_refund_writes_each_table_through_its_own_app(customer, sandbox):
    """Payments moves the booking through bookings' services and records its own refund."""
    from tests.payments.helpers import create_order, pay, verify
    from django.test import Client

    ExpertFactory(slug="sarah", minimum_notice_hours=0)
    client = Client()
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(days_ahead=9), 10)).json()
    verify(client, pay(sandbox, order["orderId"]))
    booking = Booking.objects.get(customer=customer)
    with watch_writes() as seen:
        booking_cancel_with_refund(booking_id=booking.pk, by=customer)
    assert {"bookings_booking", "payments_refund", "notifications_message"} <= {write.table for write in seen}
    assert foreign_writes(seen) == []


def test_availability_edits_write_the_rules_and_their_stamp_and_leave_the_expert_to_its_app(client):
    expert = ExpertFactory(minimum_notice_hours=0)
    client.force_login(expert.user)
    day = (next_weekday() + timedelta(days=7)).isoformat()
    body = {"workingHours": {str(weekday): {"start": "10:00", "end": "12:00", "enabled": True} for weekday in range(7)},
            "breakTimes": [], "dateOverrides": [{"startDate": day, "available": False}], "slotInterval": 30,
            "bufferMinutes": 10, "timezone": "Asia/Kolkata"}
    with watch_writes() as seen:
        response = client.put("/api/v1/experts/availability", data=json.dumps(body), content_type="application/json")
        assert response.status_code == 200, response.content
        schedule = WeeklySchedule.objects.get(expert=expert)  # as the admin saves it: the receivers move the stamp
        schedule.breaks = [{"start": "11:00", "end": "11:30", "days": [1]}]
        schedule.save()
        DateOverride.objects.filter(expert=expert).first().delete()
    tables = {write.table for write in seen}
    assert {"availability_weeklyschedule", "availability_dateoverride", "availability_rulesstamp",
            "experts_expert"} <= tables
    assert {write.writer for write in seen if write.table == "experts_expert"} == {"serene.experts.services"}
    assert foreign_writes(seen) == []


def test_the_demo_seed_writes_each_table_through_its_own_app():
    with watch_writes() as seen:
        call_command("seed_demo")
    assert {"bookings_booking", "bookings_bookingevent", "payments_payment", "experts_expert",
            "accounts_user"} <= {write.table for write in seen}
    assert foreign_writes(seen) == []


# --- The static rule: no module writes another app's model through its manager --------------------

WRITES = {"update", "create", "bulk_create", "bulk_update", "delete", "get_or_create", "update_or_create",
          "create_user", "create_superuser"}


def _app_of(module: str) -> str:
    parts = module.split(".")
    return "sandbox" if parts[1:3] == ["payments", "sandbox"] else parts[1]


def _foreign_manager_writes(path: Path) -> list[str]:
    module = "serene." + ".".join(path.relative_to(Path(serene.__file__).parent).with_suffix("").parts)
    mine = _app_of(module)
    tree = ast.parse(path.read_text())
    foreign = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("models"):
            owner = mine if node.level else _app_of(node.module) if node.module.startswith("serene.") else None
            if owner is not None and owner != mine:
                foreign.update({alias.asname or alias.name: owner for alias in node.names})
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            target, chain = node.func.value, []
            while isinstance(target, (ast.Attribute, ast.Call, ast.Subscript)):
                if isinstance(target, ast.Attribute):
                    chain.append(target.attr)
                target = target.func if isinstance(target, ast.Call) else target.value
            if isinstance(target, ast.Name) and target.id in foreign and "objects" in chain:
                found.append(f"{module}:{node.lineno} writes {foreign[target.id]}.{target.id}")
    return found


def test_no_module_writes_another_apps_model_through_its_manager():
    root = Path(serene.__file__).parent
    offenders = [line for path in sorted(root.rglob("*.py")) if "migrations" not in path.parts
                 for line in _foreign_manager_writes(path)]
    assert offenders == []
