from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "serene.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # The domain events this app reacts to, all of them here (receivers.py says what it does).
        from serene.bookings import signals as bookings

        from .receivers import booking_change_tell

        for signal, name in ((bookings.booking_moved, "moved"), (bookings.booking_rescheduled, "rescheduled"),
                             (bookings.booking_money_outcome_set, "money_outcome_set")):
            signal.connect(booking_change_tell, dispatch_uid=f"notifications_tell_booking_{name}")
