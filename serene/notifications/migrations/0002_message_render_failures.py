"""Messages that could not be rendered are written all the same (render_failed), keeping what they
need to be rendered again: their booking event, the recipient's role and the session's start.
Every message written before this was rendered when it was written."""

import django.db.models.deletion
from django.db import migrations, models


def mark_written_messages_rendered(apps, schema_editor):
    Message = apps.get_model("notifications", "Message")
    Message.objects.filter(rendered_at__isnull=True).update(rendered_at=models.F("created_at"))


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0007_booking_room_id_at_creation'),
        ('notifications', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='message',
            name='event',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='bookings.bookingevent'),
        ),
        migrations.AddField(
            model_name='message',
            name='render_failures',
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name='message',
            name='rendered_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='role',
            field=models.CharField(blank=True, max_length=10),
        ),
        migrations.AddField(
            model_name='message',
            name='session_starts_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='message',
            name='skip_reason',
            field=models.CharField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='message',
            name='status',
            field=models.CharField(choices=[('render_failed', 'Could not be written: retrying'), ('pending', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Sent'), ('failed', 'Failed: gave up'), ('skipped', 'Not sent: no longer applies')], default='pending', max_length=20),
        ),
        migrations.RunPython(mark_written_messages_rendered, migrations.RunPython.noop),
    ]
