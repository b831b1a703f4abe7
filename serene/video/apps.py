from django.apps import AppConfig


class VideoConfig(AppConfig):
    name = "serene.video"
    verbose_name = "Video rooms"

    def ready(self) -> None:
        # The domain event this app reacts to (receivers.py): a call ends when its booking's move says so.
        from serene.bookings.signals import booking_moved

        from .receivers import booking_moved_end_call

        booking_moved.connect(booking_moved_end_call, dispatch_uid="video_call_ends_with_its_booking")
