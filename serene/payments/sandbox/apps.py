from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "serene.payments.sandbox"
    label = "sandbox"
    verbose_name = "Razorpay emulator"
