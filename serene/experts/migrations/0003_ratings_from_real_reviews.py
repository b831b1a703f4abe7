"""Ratings come from real reviews only: replace the typed-in demo averages and counts with the
figures of the reviews that exist (none, for an expert nobody has reviewed)."""
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations
from django.db.models import Avg, Count


def ratings_from_reviews(apps, schema_editor):
    Expert = apps.get_model("experts", "Expert")
    Booking = apps.get_model("bookings", "Booking")
    for expert in Expert.objects.all():
        figures = Booking.objects.filter(expert=expert, reviewed_at__isnull=False).aggregate(
            average=Avg("rating"), count=Count("pk"))
        expert.rating_average = Decimal(str(figures["average"] or 0)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        expert.rating_count = figures["count"]
        expert.save(update_fields=["rating_average", "rating_count"])


class Migration(migrations.Migration):

    dependencies = [
        ("experts", "0002_time_zone_canonical"),
        ("bookings", "0006_booking_reviewed_at"),
    ]

    operations = [migrations.RunPython(ratings_from_reviews, migrations.RunPython.noop)]
