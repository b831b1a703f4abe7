from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class CoreConfig(AppConfig):
    name = "serene.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # The folders Serene writes to, made as it starts rather than when the settings are imported:
        # VAR_DIR holds the default SQLite database (and the test one), which SQLite cannot create in a
        # missing folder; WhiteNoise warns about a missing STATIC_ROOT. The mailbox and the media
        # storage make their own folders as they write.
        for folder in (settings.VAR_DIR, settings.STATIC_ROOT):
            Path(folder).mkdir(parents=True, exist_ok=True)
