"""The migration that lets a message be written unrendered marks every message written before it
as rendered when it was written, so Send again never mistakes an old one for one to render again."""
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from serene.notifications.delivery import messages_resend
from serene.notifications.models import Message, MessageStatus

pytestmark = pytest.mark.django_db


def test_messages_written_before_the_migration_count_as_rendered_when_they_were_written():
    now = timezone.now()
    old = [Message.objects.create(key=f"old:{status}", kind="booking_confirmed", to_email="asha@example.test",
                                  subject="Your session is confirmed!", body_text="…", message_id=f"<{status}@serene>",
                                  status=status, next_attempt_at=now, retry_until=now)
           for status in (MessageStatus.SENT, MessageStatus.PENDING, MessageStatus.FAILED)]
    assert not Message.objects.filter(rendered_at__isnull=False).exists()
    importlib.import_module("serene.notifications.migrations.0002_message_render_failures") \
        .mark_written_messages_rendered(apps, None)
    for message in old:
        message.refresh_from_db()
        assert message.rendered_at == message.created_at
    failed = old[2]
    assert messages_resend(message_ids=[failed.pk]) == 1
    failed.refresh_from_db()
    assert failed.status == MessageStatus.PENDING  # sent again as it is, not rendered again
