from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "serene.video"
    verbose_name = "Video rooms"
