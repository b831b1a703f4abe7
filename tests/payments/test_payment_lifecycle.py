"""A payment's lifecycle: the table (every allowed move made, every other refused), and each path
that writes a payment's status recording its move."""
import importlib
import itertools
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import transaction

from serene.payments.locks import lock_booking_and_payment, lock_payment
from serene.bookings.models import Booking
from serene.bookings.services import booking_hold
from serene.payments import payment_lifecycle
from serene.payments.cancellations import booking_cancel_with_refund
from serene.payments.events import payment_sync
from serene.payments.models import Payment, PaymentEvent, PaymentSource, PaymentStatus, Refund, RefundStatus
from serene.payments.payment_lifecycle import (NEW, PAYMENT_MOVES, PaymentMoveNotAllowed, payment_create,
                                               payment_move)
from serene.payments.refund_lifecycle import payment_status_from_refunds
from tests.bookings.helpers import at, next_weekday
from tests.factories import ExpertFactory, UserFactory

from .helpers import create_order, pay, pay_captured, verify

DECLINED_CARD = "4100 2800 0006 0003"
ALL_MOVES = list(itertools.product([NEW, *PaymentStatus.values], PaymentStatus.values, PaymentSource.values))
ALLOWED = [(source, target, mover) for source, target, mover in ALL_MOVES
           if mover in PAYMENT_MOVES.get((source, target), ())]
REFUSED = [move for move in ALL_MOVES if move not in ALLOWED]


def timeline(payment: Payment) -> list[tuple[str, str, str]]:
    return list(PaymentEvent.objects.filter(payment=payment).values_list("from_status", "to_status", "source"))


@pytest.fixture
def booking(db):
    expert = ExpertFactory(minimum_notice_hours=0, hourly_rate_minor=150000)
    return booking_hold(customer=UserFactory(), expert=expert, starts_at=at(next_weekday(), 10), duration_minutes=60)


def _payment(booking: Booking, status: str) -> Payment:
    """A payment row as an earlier step left it (written directly: the step itself is not under test)."""
    return Payment.objects.create(booking=booking, status=status, amount_minor=booking.price_minor,
                                  currency=booking.currency, gateway_order_id=f"order_{status}"[:40])


def _move(payment: Payment, **kwargs) -> Payment:
    with transaction.atomic():
        locked = lock_booking_and_payment(booking_id=payment.booking_id, payment_id=payment.pk)
        return payment_move(payment=locked.payment, **kwargs)


# --- The table ------------------------------------------------------------------------------------

def test_the_table_names_only_real_states_and_sources_and_every_state_is_reachable_but_failed():
    assert {mover for movers in PAYMENT_MOVES.values() for mover in movers} <= set(PaymentSource.values)
    targets = {target for _, target in PAYMENT_MOVES}
    assert set(PaymentStatus.values) - targets == {PaymentStatus.FAILED}  # no path writes it (see the module)
    assert PaymentSource.EARLIER not in {mover for movers in PAYMENT_MOVES.values() for mover in movers}


def test_the_statuses_an_order_takes_its_capture_in_are_derived_from_the_table():
    assert set(payment_lifecycle.CAPTURABLE_STATUSES) == {PaymentStatus.CREATED, PaymentStatus.ATTEMPTED,
                                                         PaymentStatus.FAILED}


@pytest.mark.parametrize(("source", "target", "mover"), [move for move in ALLOWED if move[0] != NEW])
def test_every_allowed_move_is_made_and_recorded(booking, source, target, mover):
    payment = _payment(booking, source)
    _move(payment, to=target, source=mover, reason="Because.")
    payment.refresh_from_db()
    assert payment.status == target
    event = PaymentEvent.objects.get(payment=payment)
    assert (event.from_status, event.to_status, event.source, event.reason) == (source, target, mover, "Because.")


@pytest.mark.parametrize(("target", "mover"), [(target, mover) for source, target, mover in ALLOWED if source == NEW])
def test_every_allowed_creation_is_made_and_recorded(booking, target, mover):
    with transaction.atomic():
        payment = payment_create(source=mover, reason="New.", booking=booking, status=target,
                                 amount_minor=booking.price_minor, currency=booking.currency)
    assert Payment.objects.get(pk=payment.pk).status == target
    assert timeline(payment) == [(NEW, target, mover)]


@pytest.mark.parametrize(("source", "target", "mover"), [move for move in REFUSED if move[0] != NEW])
def test_every_other_move_is_refused_and_leaves_no_trace(booking, source, target, mover):
    payment = _payment(booking, source)
    with pytest.raises(PaymentMoveNotAllowed):
        _move(payment, to=target, source=mover)
    payment.refresh_from_db()
    assert payment.status == source and not PaymentEvent.objects.exists()


@pytest.mark.parametrize(("target", "mover"), [(target, mover) for source, target, mover in REFUSED if source == NEW])
def test_every_other_creation_is_refused(booking, target, mover):
    with pytest.raises(PaymentMoveNotAllowed), transaction.atomic():
        payment_create(source=mover, booking=booking, status=target, amount_minor=1, currency="INR")
    assert not Payment.objects.exists() and not PaymentEvent.objects.exists()


def test_a_refused_move_is_a_conflict_that_says_what_was_asked(booking):
    payment = _payment(booking, PaymentStatus.REFUNDED)
    with pytest.raises(PaymentMoveNotAllowed) as refused:
        _move(payment, to=PaymentStatus.ATTEMPTED, source=PaymentSource.GATEWAY)
    assert refused.value.status == 409 and refused.value.code == "payment_move_not_allowed"
    assert refused.value.message == "A refunded payment cannot become attempted (moved by the payment provider)."


@pytest.mark.django_db(transaction=True)
def test_moves_and_creations_refuse_to_run_outside_a_transaction(booking):
    payment = _payment(booking, PaymentStatus.CREATED)
    with pytest.raises(RuntimeError):
        payment_move(payment=payment, to=PaymentStatus.ATTEMPTED, source=PaymentSource.GATEWAY)
    with pytest.raises(RuntimeError):
        payment_create(source=PaymentSource.CHECKOUT, booking=booking, status=PaymentStatus.CREATING,
                       amount_minor=1, currency="INR")
    assert Payment.objects.get().status == PaymentStatus.CREATED and not PaymentEvent.objects.exists()


def test_a_move_writes_its_other_fields_with_it_and_the_first_capture_stamps_its_time(booking):
    payment = _payment(booking, PaymentStatus.ATTEMPTED)
    _move(payment, to=PaymentStatus.CAPTURED, source=PaymentSource.GATEWAY,
          changes={"gateway_payment_id": "pay_1", "method": "upi"})
    payment.refresh_from_db()
    captured_at = payment.captured_at
    assert (payment.gateway_payment_id, payment.method) == ("pay_1", "upi") and captured_at is not None
    assert captured_at == PaymentEvent.objects.get(payment=payment).at
    _move(payment, to=PaymentStatus.REFUNDED, source=PaymentSource.REFUNDS)
    _move(payment, to=PaymentStatus.CAPTURED, source=PaymentSource.REFUNDS)  # that refund failed after all
    payment.refresh_from_db()
    assert payment.captured_at == captured_at


def test_the_refunds_move_the_payment_both_ways(booking):
    payment = _payment(booking, PaymentStatus.CAPTURED)

    def refunds_say(**statuses):
        for receipt, status in statuses.items():
            Refund.objects.update_or_create(payment=payment, receipt=receipt, defaults={
                "amount_minor": 50000 if receipt == "part" else 100000, "reason": "Test.", "status": status})
        with transaction.atomic():
            payment_status_from_refunds(lock_payment(payment_id=payment.pk))

    refunds_say(part=RefundStatus.PROCESSED)
    refunds_say(rest=RefundStatus.CREATED)
    refunds_say(rest=RefundStatus.FAILED)
    refunds_say(part=RefundStatus.FAILED)
    refunds_say(part=RefundStatus.FAILED)  # no change, no move
    refunds = PaymentSource.REFUNDS
    assert timeline(payment) == [(PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED, refunds),
                                 (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED, refunds),
                                 (PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED, refunds),
                                 (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.CAPTURED, refunds)]
    assert PaymentEvent.objects.filter(payment=payment).first().reason == \
        "Refunds under way or processed: ₹500 of ₹1,500."


# --- Every path that writes a payment's status records its move -----------------------------------

@pytest.mark.django_db(transaction=True)
def test_an_orders_whole_life_is_on_its_timeline(client, sandbox, settings):
    settings.RAZORPAY_SANDBOX_WEBHOOKS_SEND = False  # each step is applied by the call that makes it
    ExpertFactory(slug="sarah", hourly_rate_minor=150000, minimum_notice_hours=0)
    customer = UserFactory()
    client.force_login(customer)
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    payment = Payment.objects.get(gateway_order_id=order["orderId"])
    assert timeline(payment) == [(NEW, PaymentStatus.CREATING, PaymentSource.CHECKOUT),
                                 (PaymentStatus.CREATING, PaymentStatus.CREATED, PaymentSource.CHECKOUT)]

    declined = pay(sandbox, order["orderId"], card=DECLINED_CARD)["error"]["metadata"]["payment_id"]
    payment_sync(gateway_payment_id=declined)  # as the payment.failed webhook would
    payment_sync(gateway_payment_id=declined)  # heard of twice: still one move
    paid = pay(sandbox, order["orderId"])
    assert verify(client, paid).json()["status"] == "confirmed"
    booking_cancel_with_refund(booking_id=payment.booking_id, by=customer)

    payment.refresh_from_db()
    assert payment.status == PaymentStatus.REFUNDED
    assert timeline(payment)[2:] == [(PaymentStatus.CREATED, PaymentStatus.ATTEMPTED, PaymentSource.GATEWAY),
                                     (PaymentStatus.ATTEMPTED, PaymentStatus.CAPTURED, PaymentSource.GATEWAY),
                                     (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentSource.REFUNDS)]
    events = list(PaymentEvent.objects.filter(payment=payment))
    assert events[1].reason == f"Gateway order {order['orderId']} opened."
    assert events[2].reason.startswith(f"Payment {declined} failed: ")
    assert events[3].reason == f"Payment {paid['razorpay_payment_id']} captured (card)."
    assert events[3].at == payment.captured_at
    assert [event.at for event in events] == sorted(event.at for event in events)


@pytest.mark.django_db(transaction=True)
def test_a_stray_capture_starts_its_own_timeline_captured(client, sandbox, sarah):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    assert verify(client, pay(sandbox, order["orderId"])).json()["status"] == "confirmed"
    second = pay_captured(sandbox, order["orderId"])["razorpay_payment_id"]  # its webhooks arrive at once
    stray = Payment.objects.get(gateway_payment_id=second)
    assert timeline(stray) == [(NEW, PaymentStatus.CAPTURED, PaymentSource.GATEWAY),
                               (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED, PaymentSource.REFUNDS)]
    assert PaymentEvent.objects.filter(payment=stray).first().at == stray.captured_at
    assert [to for _, to, _ in timeline(stray.stray_of)][-1] == PaymentStatus.CAPTURED


@pytest.mark.django_db(transaction=True)
def test_staff_read_a_payments_timeline_on_its_admin_page(admin_client, client, sandbox, sarah):
    client.force_login(UserFactory())
    order = create_order(client, starts=at(next_weekday(), 10)).json()
    verify(client, pay(sandbox, order["orderId"]))
    payment = Payment.objects.get(gateway_order_id=order["orderId"])
    page = admin_client.get(f"/admin/payments/payment/{payment.pk}/change/").content.decode()
    assert "Payment events" in page
    for event in PaymentEvent.objects.filter(payment=payment):
        assert event.reason in page


@pytest.mark.django_db
def test_demo_payments_are_created_through_the_table():
    call_command("seed_demo")
    payments = list(Payment.objects.all())
    assert payments
    for payment in payments:
        assert timeline(payment) == [(NEW, PaymentStatus.CAPTURED, PaymentSource.DEMO)]
        assert PaymentEvent.objects.get(payment=payment).at == payment.captured_at


@pytest.mark.django_db
def test_payments_made_before_the_timeline_start_it_with_their_status_then(booking):
    migration = importlib.import_module("serene.payments.migrations.0005_payment_events")
    older = [_payment(booking, status) for status in (PaymentStatus.CAPTURED, PaymentStatus.REFUNDED)]
    migration.record_status_so_far(apps, None)
    for payment in older:
        payment.refresh_from_db()
        event = PaymentEvent.objects.get(payment=payment)
        assert (event.from_status, event.to_status, event.source, event.at) == (
            NEW, payment.status, PaymentSource.EARLIER, payment.updated_at)


def test_no_code_writes_a_payments_status_but_the_lifecycle():
    """Every status change goes through payment_move or payment_create: nothing else writes it."""
    writes = re.compile(r"payment\.status\s*=[^=]|Payment\.objects\.(create|bulk_create|update_or_create|get_or_create)"
                        r"\(|Payment\.objects\.[^\n]*\.update\([^)]*status", re.IGNORECASE)
    root = Path(__file__).resolve().parents[2] / "serene"
    found = []
    for path in root.rglob("*.py"):
        relative = path.relative_to(root).as_posix()
        if relative in ("payments/payment_lifecycle.py",) or "/migrations/" in relative or \
                relative.startswith("payments/sandbox/"):
            continue
        text = path.read_text()
        found += [f"{relative}: {match.group(0)}" for match in writes.finditer(text)
                  if not text[max(0, match.start() - 7):match.start()].endswith("Sandbox")]
    assert not found, found
