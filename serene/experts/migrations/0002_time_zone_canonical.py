"""Experts' time zones under their current names (Asia/Calcutta → Asia/Kolkata); the field's
validator refuses aliases from now on."""
from django.db import migrations

from serene.core.timezones import legacy_time_zones_replace


def experts_time_zone_canonical(apps, schema_editor):
    legacy_time_zones_replace(model=apps.get_model("experts", "Expert"), field="time_zone")


class Migration(migrations.Migration):

    dependencies = [
        ("experts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(experts_time_zone_canonical, migrations.RunPython.noop),
    ]
