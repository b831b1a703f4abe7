"""Section 3: a double click never costs the customer the slot. Identical create-order requests from
one session get one hold and are handed one order; no copy waits for another (each asks the gateway,
and the first order recorded is the hold's); a failed gateway call of one never strands another."""
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from serene.bookings.models import Booking, BookingStatus
from serene.bookings.services import booking_hold
from serene.payments.checkout import order_claims_clear_stale
from serene.payments.gateway import claim_stale_after
from serene.payments.models import GatewayCall, Payment, PaymentStatus
from serene.payments.sandbox.models import SandboxOrder
from tests.bookings.helpers import at, next_weekday
from tests.factories import UserFactory
from tests.interleave import paused_at

from .helpers import create_order, pay, same_session, storm, verify

pytestmark = pytest.mark.django_db(transaction=True)
CLOSED_PORT = "http://127.0.0.1:9"  # nothing listens: the gateway is down


def test_six_identical_create_orders_at_once_get_one_hold_and_one_order(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    twins = [same_session(client) for _ in range(6)]
    responses = storm([lambda twin=twin: create_order(twin, starts=start) for twin in twins])
    assert [getattr(response, "status_code", response) for response in responses] == [200] * 6
    answers = {(response.json()["orderId"], response.json()["sessionId"]) for response in responses}
    assert len(answers) == 1
    assert Booking.objects.count() == 1 and Booking.objects.get().status == BookingStatus.PENDING
    payment = Payment.objects.get()
    assert payment.status == PaymentStatus.CREATED
    # Copies that met the claim still being opened asked the gateway too; only the recorded order is handed out.
    assert 1 <= SandboxOrder.objects.count() <= 6
    assert SandboxOrder.objects.get(id=payment.gateway_order_id).receipt == payment.receipt
    # The order handed out is payable, and pays for that hold.
    order_id, session_id = answers.pop()
    assert verify(client, pay(sandbox, order_id)).json()["status"] == "confirmed"


def test_a_twin_arriving_while_the_first_opens_the_order_does_not_wait_for_it(client, sandbox, sarah, quiet):
    """The first request has opened its gateway order and not yet recorded it. Its twin does not wait
    (a wait keeps a request, and its database connection, as long as the other's gateway call): it
    opens an order of its own and records it; the first then hands out the twin's order."""
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    first_click, second_click = same_session(client), same_session(client)
    with paused_at("serene.payments.checkout._order_claim_fulfil") as pause:
        first = pause.run(lambda: create_order(first_click, starts=start))
        second = pause.run_rival(lambda: create_order(second_click, starts=start), wait=0)
        # Within the pause's own 30 s: the twin needs no more than its own gateway call, however slow the machine.
        assert second.finished(25), "the twin must not wait for the first one's order"
        pause.release()
    first, second = first.result(), second.result()
    assert (first.status_code, second.status_code) == (200, 200), (first.content, second.content)
    assert first.json()["orderId"] == second.json()["orderId"] == Payment.objects.get().gateway_order_id
    assert first.json()["sessionId"] == second.json()["sessionId"]
    assert SandboxOrder.objects.count() == 2  # the first one's stays unused: nobody was given it
    payment = Payment.objects.get()
    assert SandboxOrder.objects.get(id=payment.gateway_order_id).receipt == payment.receipt
    assert Booking.objects.get().status == BookingStatus.PENDING
    assert verify(client, pay(sandbox, payment.gateway_order_id)).json()["status"] == "confirmed"


def test_the_gateway_down_during_create_order_is_a_clean_503_and_gives_the_hold_back(client, sarah, settings):
    settings.RAZORPAY_API_BASE = CLOSED_PORT
    client.force_login(UserFactory())
    response = create_order(client, starts=at(next_weekday(), 10))
    assert response.status_code == 503, response.content
    assert response.json()["success"] is False and response.json()["error"]["code"] == "payment_gateway_error"
    booking = Booking.objects.get()
    assert booking.status == BookingStatus.EXPIRED and booking.events.last().reason == "The payment could not be started."
    assert Payment.objects.count() == 0  # nothing half-written
    call = GatewayCall.objects.get()
    assert (call.operation, call.succeeded) == ("order_create", False) and call.error.startswith("payment_gateway_error")


def test_the_gateway_down_for_two_twins_answers_both_a_clean_503_and_gives_the_hold_back(client, sandbox, sarah,
                                                                                       settings, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    first_click, second_click = same_session(client), same_session(client)
    settings.RAZORPAY_API_BASE = CLOSED_PORT
    with paused_at("serene.payments.checkout.get_gateway") as pause:
        first = pause.run(lambda: create_order(first_click, starts=start))  # claimed, not yet asked the gateway
        second = pause.run_rival(lambda: create_order(second_click, starts=start))
        pause.release()
    statuses = Counter([first.result().status_code, second.result().status_code])
    assert statuses == {503: 2}
    assert Booking.objects.get().status == BookingStatus.EXPIRED and Payment.objects.count() == 0
    settings.RAZORPAY_API_BASE = f"{sandbox.url}/sandbox/razorpay"  # back up: the customer's next click works
    again = create_order(client, starts=start)
    assert again.status_code == 200 and Booking.objects.filter(status=BookingStatus.PENDING).count() == 1


def test_a_failed_gateway_call_of_one_twin_hands_out_the_order_the_other_opened(client, sandbox, sarah, settings,
                                                                                 quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    first_click, second_click = same_session(client), same_session(client)
    with paused_at("serene.payments.checkout.get_gateway") as pause:
        first = pause.run(lambda: create_order(first_click, starts=start))  # claimed, not yet asked the gateway
        second = pause.run_rival(lambda: create_order(second_click, starts=start))
        assert second.result().status_code == 200  # renewed the claim, opened and recorded its order
        settings.RAZORPAY_API_BASE = CLOSED_PORT  # the gateway goes down under the first one's call
        pause.release()
    first, second = first.result(), second.result()
    assert first.status_code == 200, first.content
    assert first.json()["orderId"] == second.json()["orderId"] == Payment.objects.get().gateway_order_id
    assert Booking.objects.get().status == BookingStatus.PENDING


def test_choosing_a_longer_session_at_a_start_one_holds_replaces_ones_own_hold(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    sixty = create_order(client, starts=start, duration=60).json()
    ninety = create_order(client, starts=start, duration=90)
    assert ninety.status_code == 200, ninety.content
    assert ninety.json()["sessionId"] != sixty["sessionId"] and ninety.json()["duration"] == 90
    assert Booking.objects.get(public_id=sixty["sessionId"]).status == BookingStatus.EXPIRED
    assert Booking.objects.filter(status=BookingStatus.PENDING).count() == 1


def test_a_hold_given_up_while_its_order_is_being_claimed_answers_a_documented_410(client, sandbox, sarah, quiet):
    """booking_hold returned the hold; before the order is claimed it is given up (a newer choice of
    the same customer replaced it, say): the claim refuses with hold_expired, a status the OpenAPI lists."""
    client.force_login(UserFactory())
    with paused_at("serene.payments.checkout._order_claim") as pause:
        claimant = pause.run(lambda: create_order(client, starts=at(next_weekday(), 10)))
        booking = Booking.objects.get()
        newer = pause.run_rival(lambda: booking_hold(customer=booking.customer, expert=sarah,
                                                     starts_at=at(next_weekday(), 14), duration_minutes=60))
        assert newer.result().status == BookingStatus.PENDING
        pause.release()
    response = claimant.result()
    assert response.status_code == 410, response.content
    assert response.json() == {"success": False, "error": {
        "code": "hold_expired", "message": "Your hold on this time has run out. Please choose a time again."}}
    assert Payment.objects.count() == 0 and SandboxOrder.objects.count() == 0
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.EXPIRED
    document = client.get("/api/v1/openapi.json").json()
    assert "410" in document["paths"]["/api/v1/payments/create-order"]["post"]["responses"]


# --- a stale order claim: taken over by a twin, or cleared by the sweep, while its claimant is only slow ---

def _claims_look_stale() -> None:
    """As if the claimant had been gone longer than a gateway call can take (no waiting in the test)."""
    Payment.objects.filter(status=PaymentStatus.CREATING).update(
        updated_at=timezone.now() - claim_stale_after() - timedelta(seconds=1))


def test_the_sweep_clearing_a_slow_claimants_claim_answers_that_claimant_a_clean_503(client, sandbox, sarah, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    # The claimant's order_create has answered (its call is being logged); nothing is written on the claim yet.
    with paused_at("serene.payments.calls.gateway_call_record") as pause:
        claimant = pause.run(lambda: create_order(client, starts=start))
        _claims_look_stale()
        assert pause.run_rival(order_claims_clear_stale).result() == 1
        pause.release()
    response = claimant.result()
    assert response.status_code == 503, response.content
    assert response.json()["error"]["code"] == "payment_gateway_error"
    assert Payment.objects.count() == 0 and Booking.objects.get().status == BookingStatus.EXPIRED
    assert SandboxOrder.objects.count() == 1  # opened, never handed to anyone: it cannot be paid
    assert create_order(client, starts=start).status_code == 200  # the customer's next click works


def test_a_claim_renewed_by_a_twin_is_not_swept_and_the_first_order_recorded_is_handed_to_both(client, sandbox,
                                                                                               sarah, quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    first_click, second_click = same_session(client), same_session(client)
    with paused_at("serene.payments.calls.gateway_call_record") as slow, \
            paused_at("serene.payments.checkout._order_claim_fulfil") as twin_pause:
        claimant = slow.run(lambda: create_order(first_click, starts=start))  # has its own order, unrecorded
        _claims_look_stale()
        twin = twin_pause.run(lambda: create_order(second_click, starts=start))  # renewed the claim; has an order too
        assert order_claims_clear_stale() == 0  # renewed just now: its claimant is alive
        slow.release()  # the claimant comes back first and records its order
        assert claimant.finished(30)
        twin_pause.release()
    first, second = claimant.result(), twin.result()
    assert (first.status_code, second.status_code) == (200, 200), (first.content, second.content)
    assert first.json()["orderId"] == second.json()["orderId"]
    payment = Payment.objects.get()
    assert (payment.status, payment.gateway_order_id) == (PaymentStatus.CREATED, first.json()["orderId"])
    assert SandboxOrder.objects.get(id=payment.gateway_order_id).receipt == payment.receipt
    assert SandboxOrder.objects.count() == 2  # the twin's own stays unused
    assert verify(client, pay(sandbox, payment.gateway_order_id)).json()["status"] == "confirmed"


def test_a_claimant_whose_gateway_call_fails_leaves_alone_the_claim_a_twin_renewed(client, sandbox, sarah, settings,
                                                                                 quiet):
    client.force_login(UserFactory())
    start = at(next_weekday(), 10)
    first_click, second_click = same_session(client), same_session(client)
    with paused_at("serene.payments.checkout.get_gateway") as slow, \
            paused_at("serene.payments.checkout._order_claim_fulfil") as twin_pause, \
            paused_at("serene.payments.checkout._order_claim_abandon", when="after") as abandoned:
        claimant = slow.run(lambda: create_order(first_click, starts=start))  # claimed, gateway not yet asked
        twin = twin_pause.run(lambda: create_order(second_click, starts=start))  # renewed the claim, has its order
        settings.RAZORPAY_API_BASE = CLOSED_PORT  # the claimant's call fails
        slow.release()
        assert abandoned.reached.wait(30), "the claimant tried to give up its claim"
        settings.RAZORPAY_API_BASE = f"{sandbox.url}/sandbox/razorpay"
        abandoned.release()
        assert claimant.finished(30), "the claimant does not wait for the twin"
        twin_pause.release()
    first, second = claimant.result(), twin.result()
    assert second.status_code == 200, second.content
    # The claimant's own call failed and the twin was still asking: a clean "try again", the hold kept.
    assert first.status_code == 503 and first.json()["error"]["code"] == "payment_gateway_error", first.content
    assert second.json()["orderId"] == Payment.objects.get().gateway_order_id
    assert Booking.objects.get().status == BookingStatus.PENDING
    again = create_order(first_click, starts=start)  # the customer tries again: the hold's one order
    assert again.status_code == 200 and again.json()["orderId"] == second.json()["orderId"]
