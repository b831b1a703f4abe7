from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "serene.desk"
    label = "desk"
    verbose_name = "Desk"
