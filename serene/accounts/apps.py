from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "serene.accounts"
    label = "accounts"
    verbose_name = "Accounts"
