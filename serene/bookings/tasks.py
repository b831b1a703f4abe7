"""Background work for bookings: sessions whose time has ended become completed."""
from django_tasks import task

from . import services


@task()
def bookings_complete_finished() -> int:
    return services.bookings_complete_finished()
