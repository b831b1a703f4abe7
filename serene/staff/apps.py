from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "serene.staff"
    label = "staff"
    verbose_name = "Staff"
