from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "serene.bookings"
    label = "bookings"
    verbose_name = "Bookings"
