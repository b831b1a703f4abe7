"""Catch the domain events a piece of code sends (serene/bookings/signals.py, serene/payments/signals.py)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.dispatch import Signal


@dataclass(frozen=True)
class Caught:
    name: str
    payload: Any
    in_transaction: bool


@contextmanager
def catch(**signals: Signal) -> Iterator[list[Caught]]:
    """Every sending of the named signals inside the block, in order, with whether it came inside a transaction."""
    caught: list[Caught] = []
    receivers = []
    for name, signal in signals.items():
        def receiver(sender, signal=None, name=name, **payload):
            [value] = payload.values()
            caught.append(Caught(name=name, payload=value, in_transaction=connection.in_atomic_block))
        receivers.append((signal, receiver))
        signal.connect(receiver, weak=False)
    try:
        yield caught
    finally:
        for signal, receiver in receivers:
            signal.disconnect(receiver)
