from django.apps import AppConfig


class CustomerConfig(AppConfig):
    name = "serene.customer"
    label = "customer"
    verbose_name = "Customer"
