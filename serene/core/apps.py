from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "serene.core"
    label = "core"
    verbose_name = "Core"
