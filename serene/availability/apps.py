from django.apps import AppConfig


class AvailabilityConfig(AppConfig):
    name = "serene.availability"
    label = "availability"
    verbose_name = "Availability"
