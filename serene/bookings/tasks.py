"""Background work for bookings, queued by the scheduler: holds that ran out become expired, and
sessions whose time has ended become completed."""
from django_tasks import task

from . import moves, services


@task()
def bookings_expire_lapsed_holds() -> int:
    return services.bookings_expire_lapsed_holds()


@task()
def bookings_complete_finished() -> int:
    return moves.bookings_complete_finished()
