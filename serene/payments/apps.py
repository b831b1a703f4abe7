from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "serene.payments"
    label = "payments"
    verbose_name = "Payments"

    def ready(self) -> None:
        from serene.core.observability import database_gauges_register

        from .metrics import payment_gauges

        database_gauges_register(payment_gauges)
