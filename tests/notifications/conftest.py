"""A development mailbox in a temporary folder, with Serene's mailbox backend switched on."""
import pytest
from django.core.mail import EmailMultiAlternatives

ICS = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Serene//Sessions//EN\r\nMETHOD:REQUEST\r\n"
       b"BEGIN:VEVENT\r\nUID:test-session@serene\r\nDTSTAMP:20261130T210000Z\r\nDTSTART:20261201T043000Z\r\n"
       b"DTEND:20261201T053000Z\r\nSUMMARY:Serene session with Dr. Sarah Khan\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def mailbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "serene.notifications.mailbox.MailboxBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    return settings.EMAIL_FILE_PATH


@pytest.fixture
def send_confirmation():
    """Sends a booking-confirmation-like email (HTML, text and an .ics invite) through the configured backend."""
    def send(*, to: str = "asha@example.test", subject: str = "Your session with Dr. Sarah Khan is confirmed!",
             site_url: str = "http://testserver") -> int:
        message = EmailMultiAlternatives(
            subject=subject,
            body="Your session with Dr. Sarah Khan is confirmed.\nTue 1 Dec, 10:00 (Asia/Kolkata).",
            to=[to], cc=["records@example.test"], bcc=["audit@example.test"])
        message.attach_alternative(
            "<!doctype html><html><head><title>Confirmed</title></head><body>"
            "<h1>Your session with Dr. Sarah Khan is confirmed!</h1>"
            f'<p>Tue 1 Dec, 10:00 (Asia/Kolkata). <a href="{site_url}/dashboard/">Open your dashboard</a></p>'
            "</body></html>", "text/html")
        message.attach("invite.ics", ICS, "text/calendar")
        return message.send()
    return send
