"""The zone each booking was shown in, under its current name (Asia/Calcutta → Asia/Kolkata), as
new bookings store it."""
from django.db import migrations

from serene.core.timezones import legacy_time_zones_replace


def bookings_customer_time_zone_canonical(apps, schema_editor):
    legacy_time_zones_replace(model=apps.get_model("bookings", "Booking"), field="customer_time_zone")


class Migration(migrations.Migration):

    dependencies = [
        ("bookings", "0004_customer_note_moved_from"),
    ]

    operations = [
        migrations.RunPython(bookings_customer_time_zone_canonical, migrations.RunPython.noop),
    ]
