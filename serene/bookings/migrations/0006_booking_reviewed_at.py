"""Reviews are given once: reviewed_at marks when, and a rating exists exactly when it is set."""

from django.conf import settings
from django.db import migrations, models


def rated_were_reviewed(apps, schema_editor):
    Booking = apps.get_model("bookings", "Booking")
    for booking in Booking.objects.filter(rating__isnull=False, reviewed_at__isnull=True):
        booking.reviewed_at = booking.updated_at
        booking.save(update_fields=["reviewed_at"])


class Migration(migrations.Migration):

    dependencies = [
        ('bookings', '0005_customer_time_zone_canonical'),
        ('experts', '0002_time_zone_canonical'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='booking',
            name='reviewed_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(rated_were_reviewed, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='booking',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('rating__isnull', True), ('reviewed_at__isnull', True)), models.Q(('rating__isnull', False), ('reviewed_at__isnull', False)), _connector='OR'), name='booking_rating_with_review_time'),
        ),
    ]
