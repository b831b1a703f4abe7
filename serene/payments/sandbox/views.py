"""The emulator's HTTP face: Razorpay's REST API (Basic auth, JSON), the Checkout shim, a Dashboard
refund, and controls that make rare gateway events happen for tests."""
from __future__ import annotations

import base64
import binascii
import json
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt

from . import services
from .models import SandboxRefund
from .services import RazorpayError


def _json_error(error: RazorpayError) -> JsonResponse:
    return JsonResponse(error.body, status=error.status)


def razorpay_api(methods: set[str]):
    """Basic auth with the key pair, a JSON body, and Razorpay-shaped errors for everything."""
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise RazorpayError("The requested URL was not found on the server.", status=404)
                _authenticate(request)
                data = {}
                if request.method in ("POST", "PATCH", "PUT") and request.body:
                    try:
                        data = json.loads(request.body)
                    except ValueError:
                        raise RazorpayError("The request body is not valid JSON.") from None
                    if not isinstance(data, dict):
                        raise RazorpayError("The request body must be a JSON object.")
                return JsonResponse(view(request, data, *args, **kwargs))
            except RazorpayError as error:
                return _json_error(error)
        return wrapper
    return decorate


def _authenticate(request: HttpRequest) -> None:
    header = request.headers.get("Authorization", "")
    try:
        key_id, _, secret = base64.b64decode(header.removeprefix("Basic ")).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        key_id = secret = ""
    if not header.startswith("Basic ") or not key_id:
        raise RazorpayError("Please provide your api key for authentication purposes.", status=401)
    if key_id != settings.RAZORPAY_KEY_ID or secret != settings.RAZORPAY_KEY_SECRET:
        raise RazorpayError("The api key/secret provided is invalid", status=401)


@razorpay_api({"POST", "GET"})
def orders(request, data):
    if request.method == "GET":
        count = min(int(request.GET.get("count", 10)), 100)
        from .models import SandboxOrder
        items = [order.as_json() for order in SandboxOrder.objects.order_by("-created_at")[:count]]
        return {"entity": "collection", "count": len(items), "items": items}
    return services.order_create(data).as_json()


@razorpay_api({"GET"})
def order_detail(request, data, order_id):
    return services.order_get(order_id).as_json()


@razorpay_api({"GET"})
def order_payments(request, data, order_id):
    order = services.order_get(order_id)
    items = [payment.as_json() for payment in order.payments.order_by("recorded")]
    return {"entity": "collection", "count": len(items), "items": items}


@razorpay_api({"GET"})
def payment_detail(request, data, payment_id):
    return services.payment_get(payment_id).as_json()


@razorpay_api({"POST"})
def payment_capture(request, data, payment_id):
    payment, events = services.payment_capture(payment_id, data)
    services.webhooks_emit(events, payment=payment)
    return payment.as_json()


@razorpay_api({"POST"})
def payment_refund(request, data, payment_id):
    return services.payment_refund(payment_id, data)


@razorpay_api({"GET"})
def payment_refunds(request, data, payment_id):
    payment = services.payment_get(payment_id)
    items = [refund.as_json() for refund in payment.refunds.order_by("recorded")]
    return {"entity": "collection", "count": len(items), "items": items}


@razorpay_api({"GET"})
def payment_refund_detail(request, data, payment_id, refund_id):
    refund = SandboxRefund.objects.filter(id=refund_id, payment_id=payment_id).first()
    if refund is None:
        raise RazorpayError("The id provided does not exist", field="id")
    return refund.as_json()


@razorpay_api({"GET"})
def refund_detail(request, data, refund_id):
    refund = SandboxRefund.objects.filter(id=refund_id).first()
    if refund is None:
        raise RazorpayError("The id provided does not exist", field="id")
    return refund.as_json()


# --- What a merchant does in the Razorpay Dashboard, outside Serene (same key pair as the API) ---

@razorpay_api({"POST"})
def dashboard_payment_refund(request, data, payment_id):
    return services.payment_refund(payment_id, data, fields=services.DASHBOARD_REFUND_FIELDS)


# --- Emulator controls Razorpay does not have: make rare gateway events happen on demand ---------

@razorpay_api({"POST"})
def simulate_order_pay(request, data, order_id):
    return services.checkout_result(services.order_pay_captured(order_id, data))


@razorpay_api({"POST"})
def simulate_order_refund_failures(request, data, order_id):
    order = services.order_refund_failures_set(order_id, data)
    return {"order_id": order.id, "refund_failures_left": order.refund_failures_left}


@razorpay_api({"POST"})
def simulate_order_refunds_pending(request, data, order_id):
    order = services.order_refunds_pending_set(order_id, data)
    return {"order_id": order.id, "refunds_pending_left": order.refunds_pending_left}


@razorpay_api({"POST"})
def simulate_refund_settle(request, data, refund_id):
    return services.refund_settle(refund_id, data).as_json()


@csrf_exempt
def not_found(request, rest=""):
    return _json_error(RazorpayError("The requested URL was not found on the server.", status=404))


# --- Checkout ------------------------------------------------------------------------------------

def checkout_js(request: HttpRequest) -> HttpResponse:
    response = render(request, "sandbox/checkout.js", {"pay_url": request.build_absolute_uri("checkout/pay")},
                      content_type="application/javascript")
    response["Cache-Control"] = "no-cache"
    return response


def _cross_origin(response: HttpResponse) -> HttpResponse:
    """Checkout runs on the merchant's page and talks to Razorpay's own host, as here when the
    emulator is served from another origin than the page (the payment pages' CSP allows it)."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    return response


@csrf_exempt
def checkout_pay(request: HttpRequest) -> HttpResponse:
    """What Razorpay's hosted checkout does when the customer presses Pay: one payment attempt."""
    if request.method == "OPTIONS":
        return _cross_origin(HttpResponse(status=204))
    return _cross_origin(_checkout_pay(request))


def _checkout_pay(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return _json_error(RazorpayError("The requested URL was not found on the server.", status=404))
    try:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            raise RazorpayError("The request body is not valid JSON.") from None
        payment, events = services.checkout_pay(
            key=str(data.get("key", "")), order_id=str(data.get("order_id", "")), method=str(data.get("method", "")),
            card_number=str(data.get("card_number", "")), vpa=str(data.get("vpa", "")),
            email=str(data.get("email", "")), contact=str(data.get("contact", "")))
        services.webhooks_emit(events, payment=payment)
    except RazorpayError as error:
        return _json_error(error)
    if payment.status == "failed":
        return JsonResponse({"error": {"code": payment.error_code, "description": payment.error_description,
                                       "source": payment.error_source, "step": payment.error_step,
                                       "reason": payment.error_reason,
                                       "metadata": {"order_id": payment.order_id, "payment_id": payment.id}}})
    return JsonResponse(services.checkout_result(payment))
