"""Background work for notifications: send messages, and send reminders when they fall due."""
from __future__ import annotations

from datetime import datetime

from serene.core.tasks import retrying_task

from . import delivery, reminders, rerender


@retrying_task()
def messages_deliver(message_ids: list[int]) -> int:
    return sum(delivery.message_deliver(message_id=message_id) for message_id in message_ids)


@retrying_task()
def messages_render_and_deliver(message_ids: list[int]) -> int:
    """Staff sent these again: render those whose rendering failed, then send them all."""
    sent = 0
    for message_id in message_ids:
        rerender.message_render_again(message_id=message_id)
        sent += delivery.message_deliver(message_id=message_id)
    return sent


@retrying_task()
def messages_deliver_due() -> int:
    return delivery.messages_deliver_due()


@retrying_task()
def reminder_send(booking_id: int, kind: str, starts_at: str) -> bool:
    return reminders.reminder_send(booking_id=booking_id, kind=kind, starts_at=datetime.fromisoformat(starts_at))


@retrying_task()
def reminders_send_due() -> int:
    return reminders.reminders_send_due()
