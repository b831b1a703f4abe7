"""Errors of the payment flows that people see (the gateway's own are in gateway.py)."""
from __future__ import annotations

from serene.core.errors import InvalidInput


class AmountMismatch(InvalidInput):
    code = "amount_mismatch"


class InvalidSignature(InvalidInput):
    code = "invalid_signature"
    default_message = "The payment confirmation could not be verified. Nothing was changed."
