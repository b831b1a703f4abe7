"""Availability keeps its own stamp of when an expert's rules changed (the rules cache's version),
instead of moving Expert.updated_at, which belongs to the experts app. Every expert starts with one."""
import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone


def stamp_every_expert(apps, schema_editor):
    Expert = apps.get_model("experts", "Expert")
    RulesStamp = apps.get_model("availability", "RulesStamp")
    now = timezone.now()
    RulesStamp.objects.bulk_create([RulesStamp(expert_id=expert_id, changed_at=now)
                                    for expert_id in Expert.objects.values_list("pk", flat=True).iterator()],
                                   batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('availability', '0001_initial'),
        ('experts', '0005_browse_partial_indexes'),
    ]

    operations = [
        migrations.CreateModel(
            name='RulesStamp',
            fields=[
                ('expert', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='rules_stamp', serialize=False, to='experts.expert')),
                ('changed_at', models.DateTimeField()),
            ],
        ),
        migrations.RunPython(stamp_every_expert, migrations.RunPython.noop),
    ]
