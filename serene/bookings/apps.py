from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "serene.bookings"
    label = "bookings"
    verbose_name = "Bookings"

    def ready(self) -> None:
        from serene.availability.busy import busy_time_supply
        from serene.core.observability import database_gauges_register

        from .lifecycle import booking_busy_time_sql
        from .metrics import booking_gauges

        busy_time_supply(booking_busy_time_sql)
        database_gauges_register(booking_gauges)
