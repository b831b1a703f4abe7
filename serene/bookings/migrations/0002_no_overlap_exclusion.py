"""PostgreSQL enforces invariant 1: no two blocking bookings of one expert overlap, buffers included.

SQLite has no exclusion constraints; there booking_hold's IMMEDIATE transaction is the guarantee.
"""
from django.db import migrations

BLOCKING = "('pending', 'awaiting_approval', 'confirmed')"

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE bookings_booking ADD CONSTRAINT booking_no_overlap
    EXCLUDE USING gist (expert_id WITH =, tstzrange(starts_at, blocked_until, '[)') WITH &&)
    WHERE (status IN {BLOCKING});
"""
DROP = "ALTER TABLE bookings_booking DROP CONSTRAINT IF EXISTS booking_no_overlap;"


def create_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0001_initial")]
    operations = [migrations.RunPython(create_constraint, drop_constraint)]
