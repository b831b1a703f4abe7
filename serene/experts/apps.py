from django.apps import AppConfig


class ExpertsConfig(AppConfig):
    name = "serene.experts"
    label = "experts"
    verbose_name = "Experts"
