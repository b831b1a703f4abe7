"""State of the Razorpay emulator: orders, payments, refunds and the webhooks it sends.

These tables stand in for Razorpay's own servers; Serene's code never reads them directly, only
through the official SDK over HTTP, exactly as it talks to Razorpay in production.
"""
from __future__ import annotations

import secrets
import string
import time

from django.db import models

ALPHABET = string.ascii_letters + string.digits


def gateway_id(prefix: str) -> str:
    return f"{prefix}_" + "".join(secrets.choice(ALPHABET) for _ in range(14))


def unix_now() -> int:
    return int(time.time())


class SandboxOrder(models.Model):
    id = models.CharField(primary_key=True, max_length=32)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    receipt = models.CharField(max_length=40, null=True, blank=True)
    notes = models.JSONField(default=dict)
    status = models.CharField(max_length=12, default="created")  # created → attempted → paid
    attempts = models.PositiveIntegerField(default=0)
    amount_paid = models.PositiveIntegerField(default=0)
    auto_capture = models.BooleanField(default=True)
    # Emulator only, not in Razorpay's JSON: how many of the next refunds on this order's payments
    # the "bank" turns down (refund.failed), so a test can fail exactly one and let the retry pass.
    refund_failures_left = models.PositiveIntegerField(default=0)
    # Emulator only: how many of the next refunds stay pending until a test settles them (a normal-speed
    # refund takes days at Razorpay), so the pending state, and what comes after it, can be seen.
    refunds_pending_left = models.PositiveIntegerField(default=0)
    created_at = models.PositiveIntegerField(default=unix_now)

    def as_json(self) -> dict:
        return {"id": self.id, "entity": "order", "amount": self.amount, "amount_paid": self.amount_paid,
                "amount_due": self.amount - self.amount_paid, "currency": self.currency, "receipt": self.receipt,
                "offer_id": None, "status": self.status, "attempts": self.attempts, "notes": self.notes or [],
                "created_at": self.created_at}


class SandboxPayment(models.Model):
    id = models.CharField(primary_key=True, max_length=32)
    order = models.ForeignKey(SandboxOrder, on_delete=models.CASCADE, related_name="payments")
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=12)  # created, authorized, captured, refunded, failed
    method = models.CharField(max_length=12)
    captured = models.BooleanField(default=False)
    amount_refunded = models.PositiveIntegerField(default=0)
    email = models.CharField(max_length=254, blank=True)
    contact = models.CharField(max_length=32, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    card_network = models.CharField(max_length=20, blank=True)
    vpa = models.CharField(max_length=100, blank=True)
    error_code = models.CharField(max_length=40, null=True, blank=True)
    error_description = models.CharField(max_length=200, null=True, blank=True)
    error_source = models.CharField(max_length=40, null=True, blank=True)
    error_step = models.CharField(max_length=60, null=True, blank=True)
    error_reason = models.CharField(max_length=60, null=True, blank=True)
    created_at = models.PositiveIntegerField(default=unix_now)
    recorded = models.DateTimeField(auto_now_add=True)  # orders attempts within one second

    @property
    def refund_status(self) -> str | None:
        if self.amount_refunded == 0:
            return None
        return "full" if self.amount_refunded >= self.amount else "partial"

    def as_json(self) -> dict:
        data = {"id": self.id, "entity": "payment", "amount": self.amount, "currency": self.currency,
                "status": self.status, "order_id": self.order_id, "invoice_id": None, "international": False,
                "method": self.method, "amount_refunded": self.amount_refunded, "refund_status": self.refund_status,
                "captured": self.captured, "description": None, "card_id": None, "bank": None, "wallet": None,
                "vpa": self.vpa or None, "email": self.email, "contact": self.contact, "notes": [],
                "fee": round(self.amount * 0.02) if self.captured else None,
                "tax": round(self.amount * 0.0036) if self.captured else None,
                "error_code": self.error_code, "error_description": self.error_description,
                "error_source": self.error_source, "error_step": self.error_step, "error_reason": self.error_reason,
                "acquirer_data": {}, "created_at": self.created_at}
        if self.method == "card":
            data["card_id"] = "card_" + self.id[4:]
            data["card"] = {"id": data["card_id"], "entity": "card", "name": "", "last4": self.card_last4,
                            "network": self.card_network, "type": "credit", "issuer": None, "international": False,
                            "emi": False, "sub_type": "consumer"}
        if self.method == "upi":
            data["upi"] = {"payer_account_type": "bank_account", "vpa": self.vpa, "flow": "collect"}
        return data


class SandboxRefund(models.Model):
    id = models.CharField(primary_key=True, max_length=32)
    payment = models.ForeignKey(SandboxPayment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    notes = models.JSONField(default=dict)
    receipt = models.CharField(max_length=40, null=True, blank=True)
    speed_requested = models.CharField(max_length=10, default="normal")
    status = models.CharField(max_length=12, default="processed")  # pending → processed, or pending → failed
    created_at = models.PositiveIntegerField(default=unix_now)
    recorded = models.DateTimeField(auto_now_add=True)

    def as_json(self) -> dict:
        return {"id": self.id, "entity": "refund", "amount": self.amount, "currency": self.currency,
                "payment_id": self.payment_id, "notes": self.notes or [], "receipt": self.receipt,
                "acquirer_data": {"arn": None}, "created_at": self.created_at, "batch_id": None,
                "status": self.status, "speed_processed": "normal", "speed_requested": self.speed_requested}


class SandboxWebhook(models.Model):
    """One webhook event as the emulator sends it: signed body, delivery state."""

    event_id = models.CharField(max_length=40, unique=True)
    event = models.CharField(max_length=40)
    body = models.TextField()
    url = models.URLField(max_length=500)
    status = models.CharField(max_length=12, default="pending")  # pending, delivered, failed, dropped
    attempts = models.PositiveIntegerField(default=0)
    last_response = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("id",)
