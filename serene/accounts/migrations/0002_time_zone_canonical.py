"""Users' time zones under their current names: a browser's legacy alias (Asia/Calcutta) stored at
sign-up becomes Asia/Kolkata, and the field refuses aliases from now on."""
from django.db import migrations, models

import serene.core.timezones
from serene.core.timezones import legacy_time_zones_replace


def users_time_zone_canonical(apps, schema_editor):
    legacy_time_zones_replace(model=apps.get_model("accounts", "User"), field="time_zone")


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(users_time_zone_canonical, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="user",
            name="time_zone",
            field=models.CharField(default="Asia/Kolkata", max_length=64,
                                   validators=[serene.core.timezones.validate_time_zone]),
        ),
    ]
