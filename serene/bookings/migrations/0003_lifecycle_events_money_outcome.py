"""The lifecycle made explicit: the money outcome as its own field, the timeline of moves, and the
no-overlap constraint rebuilt with the states the lifecycle says block time (frozen here, as a migration
must be; a test checks the live constraint against lifecycle.BLOCKING_STATUSES).

Existing bookings get the first line of their timeline; a late-payment refund that was recorded as
free text in cancellation_reason becomes money_outcome.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def rebuild_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # SQLite: booking_hold's IMMEDIATE transaction is the guarantee
    schema_editor.execute("ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap")
    schema_editor.execute(
        "ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist "
        "(expert_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&) "
        "WHERE (status IN ('pending', 'awaiting_approval', 'confirmed'))")


def backfill(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    BookingEvent = apps.get_model("bookings", "BookingEvent")
    Booking.objects.filter(status="expired", cancellation_reason__startswith="Your payment arrived after").update(
        money_outcome="refunded_in_full", cancellation_reason="")
    BookingEvent.objects.bulk_create(
        [BookingEvent(booking_id=booking.pk, from_status="", to_status=booking.status, at=booking.created_at,
                      actor="system", reason="Recorded before the timeline existed.")
         for booking in Booking.objects.only("pk", "status", "created_at").iterator()], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0002_no_overlap_exclusion'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='money_outcome',
            field=models.CharField(blank=True, choices=[('', 'Not applicable'), ('refund_pending', 'Refund under way'), ('refunded_in_full', 'Refunded in full'), ('refunded_in_part', 'Refunded in part'), ('not_refunded', 'Not refunded'), ('refund_failed', 'Refund failed: with staff')], default='', max_length=20),
        ),
        migrations.CreateModel(
            name='BookingEvent',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('from_status', models.CharField(blank=True, max_length=20)),
                ('to_status', models.CharField(max_length=20)),
                ('money_outcome', models.CharField(blank=True, max_length=20)),
                ('at', models.DateTimeField()),
                ('actor', models.CharField(choices=[('customer', 'Customer'), ('expert', 'Expert'), ('staff', 'Staff'), ('system', 'System')], max_length=10)),
                ('reason', models.CharField(blank=True, max_length=240)),
                ('actor_user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('booking', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='events', to='bookings.booking')),
            ],
            options={
                'ordering': ('at', 'id'),
                'indexes': [models.Index(fields=['booking', 'at'], name='bookings_bo_booking_6aa700_idx')],
            },
        ),
        migrations.RunPython(rebuild_constraint, migrations.RunPython.noop),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
