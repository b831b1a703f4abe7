"""Invariant 9: a customer is in one session at a time. PostgreSQL enforces it as it enforces the
expert's (0002/0003): an exclusion constraint over (customer, [starts_at, ends_at)) for the blocking
states, frozen here as a migration must be (a test checks it against lifecycle.BLOCKING_STATUSES).
The customer's time is the session itself: the buffer after it is the expert's, not theirs.

Rows written before the rule may already overlap (a customer who booked two experts at one time), and
adding the constraint over them would fail the deploy. Cancelling a paid session in a migration is not
ours to decide, so the migration keeps them: in each customer's run of overlapping blocking bookings
the earliest-created one is kept under the constraint, and each later one that overlaps a kept one is
marked `customer_overlap_grandfathered`, which the constraint's condition leaves out. The services
still treat those as busy time (a new hold or a move cannot overlap them), and the migration logs how
many it marked so staff can call the customers. On SQLite the same rows are marked; the customer's row
lock under IMMEDIATE transactions is the guarantee there.
"""
import logging

from django.db import migrations, models

BLOCKING = ("pending", "awaiting_approval", "confirmed")
CONSTRAINT = "booking_customer_no_overlap"

log = logging.getLogger("serene.bookings.migrations")


def mark_existing_overlaps(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    rows = (Booking.objects.filter(status__in=BLOCKING)
            .order_by("customer_id", "created_at", "id").values_list("id", "customer_id", "starts_at", "ends_at"))
    kept: dict[int, list[tuple]] = {}
    marked = []
    for booking_id, customer_id, starts_at, ends_at in rows.iterator():
        mine = kept.setdefault(customer_id, [])
        if any(starts_at < other_end and other_start < ends_at for other_start, other_end in mine):
            marked.append(booking_id)
        else:
            mine.append((starts_at, ends_at))
    if marked:
        Booking.objects.filter(id__in=marked).update(customer_overlap_grandfathered=True)
        log.warning("bookings 0009: %d bookings already overlapped another of their customer's and are kept "
                    "outside %s (customer_overlap_grandfathered): ids %s", len(marked), CONSTRAINT, marked[:50])


def create_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    statuses = ", ".join(f"'{status}'" for status in BLOCKING)
    schema_editor.execute(
        f"ALTER TABLE bookings_booking ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist "
        "(customer_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) "
        f"WHERE (status IN ({statuses}) AND NOT customer_overlap_grandfathered)")


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [("bookings", "0008_indexes_for_bounded_lists")]
    operations = [
        migrations.AddField(model_name="booking", name="customer_overlap_grandfathered",
                            field=models.BooleanField(default=False, editable=False)),
        migrations.RunPython(mark_existing_overlaps, migrations.RunPython.noop),
        migrations.RunPython(create_constraint, drop_constraint),
    ]
