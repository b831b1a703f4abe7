"""A development mailbox in a temporary folder, with Serene's mailbox backend switched on; an email
template broken on purpose."""
import copy
from pathlib import Path

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


TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "serene" / "templates"


class BrokenTemplate:
    """A deployed email template that fails to render for some kinds of email, in a folder placed
    before Serene's own; repair() deploys the fixed one (a fresh template engine, as a restart has)."""

    def __init__(self, settings, folder: Path):
        self.settings, self.folder = settings, folder
        self.original = copy.deepcopy(settings.TEMPLATES)

    def break_for(self, *kinds: str) -> None:
        (self.folder / "notifications").mkdir(parents=True, exist_ok=True)
        real = (TEMPLATES_DIR / "notifications" / "email.html").read_text()
        condition = " or ".join(f'email.kind == "{kind}"' for kind in kinds)
        # Renders for every other email; for these, a link to a page that does not exist: NoReverseMatch.
        (self.folder / "notifications" / "email.html").write_text(
            f'{{% if {condition} %}}{{% url "no-such-page" %}}{{% endif %}}' + real)
        templates = copy.deepcopy(self.original)
        templates[0]["DIRS"] = [self.folder, *templates[0]["DIRS"]]
        self.settings.TEMPLATES = templates

    def repair(self) -> None:
        (self.folder / "notifications" / "email.html").write_text((TEMPLATES_DIR / "notifications" / "email.html").read_text())
        self.settings.TEMPLATES = copy.deepcopy(self.settings.TEMPLATES)  # new engines: nothing cached from before


@pytest.fixture
def broken_template(settings, tmp_path) -> BrokenTemplate:
    return BrokenTemplate(settings, tmp_path / "deployed-templates")
