from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "serene.video"
    verbose_name = "Video rooms"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (a call ends when its booking's recorded move says so)
