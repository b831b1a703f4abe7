from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "serene.marketplace"
    label = "marketplace"
    verbose_name = "Marketplace"
