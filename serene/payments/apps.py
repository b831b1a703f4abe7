from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "serene.payments"
    label = "payments"
    verbose_name = "Payments"
