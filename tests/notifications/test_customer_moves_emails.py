"""Moves made from the customer's own pages reach both sides' calendars: each reschedule through the
page or the API sends the same UID with a SEQUENCE one higher, and the dashboard's cancel sends the
cancelling invite after them."""
import json
from datetime import UTC, timedelta

import pytest

from .test_booking_emails import _book, _invite, sarah  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db(transaction=True)


def _sequences(smtp_server, subject_start):
    found = []
    for item in smtp_server.messages:
        if item["message"]["Subject"].startswith(subject_start):
            [event] = _invite(item["message"]).walk("VEVENT")
            found.append((item["to"][0], str(event["uid"]), int(event["sequence"])))
    return sorted(found)


def test_two_moves_and_a_cancel_from_the_customers_pages_raise_the_sequence_each_time(client, sandbox, sarah,
                                                                                      smtp_server):
    booking = _book(client, sandbox, days_ahead=7, hour=10)
    uid = f"{booking.public_id}@serene"
    first = (booking.starts_at + timedelta(hours=2)).astimezone(UTC)
    answer = client.post(f"/sessions/{booking.public_id}/reschedule", {"starts_at": first.isoformat()})
    assert answer.status_code == 302, answer.content.decode()[:500]
    second = (booking.starts_at + timedelta(hours=4)).astimezone(UTC)
    answer = client.post(f"/api/v1/sessions/{booking.public_id}/reschedule", content_type="application/json",
                         data=json.dumps({"startsAt": f"{second:%Y-%m-%dT%H:%M:%SZ}"}))
    assert answer.status_code == 200 and answer.json()["startsAt"] == f"{second:%Y-%m-%dT%H:%M:%SZ}"
    assert _sequences(smtp_server, "Moved:") == [("asha@example.test", uid, 1), ("asha@example.test", uid, 2),
                                                 ("sarah@example.test", uid, 1), ("sarah@example.test", uid, 2)]
    assert client.post(f"/sessions/{booking.public_id}/cancel", {"reason": ""}).status_code == 302
    assert _sequences(smtp_server, "Cancelled") == [("asha@example.test", uid, 3), ("sarah@example.test", uid, 3)]
