"""The HTML of every page the browser tests visit, as the Nu Html Checker (vnu.jar, run by Java) reads
it: no errors. The pages are rendered by Django's test client for a visitor, a customer, an expert and
staff on data that looks like a real practice (every state of a session, refunds, long names), and
checked in one run of the checker."""
from __future__ import annotations

import json
import shutil
import subprocess
from html.parser import HTMLParser
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from serene.accounts.models import User
from serene.bookings.models import Booking, BookingStatus
from serene.experts.management.commands.seed_demo import DEMO_CUSTOMER, DEMO_EXPERT, DEMO_STAFF
from serene.experts.models import Expert
from serene.payments.models import Payment, PaymentStatus
from tests.bookings.helpers import at, booked_paid, next_weekday
from tests.bookings.test_bounded_lists import practice
from tests.conftest import unavailable
from tests.factories import ExpertFactory

pytestmark = pytest.mark.django_db

VNU_JAR = Path(__file__).resolve().parents[2] / "var" / "vnu" / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
LONG_NAME = "Dr. Anantharamakrishnan Venkatasubramanian-Chattopadhyay"


def vnu_errors(folder: Path) -> list[str]:
    """The checker's errors over every .html file in folder, one JVM for all, as readable lines."""
    java = shutil.which("java")
    if not VNU_JAR.exists() or java is None:
        unavailable("the Nu Html Checker needs var/vnu (make vnu) and Java (apt-get install -y "
                    "default-jre-headless): HTML check skipped")
    result = subprocess.run([java, "-Xss8m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json",
                             "--skip-non-html", str(folder)], capture_output=True, text=True, timeout=600)
    messages = json.loads(result.stderr or '{"messages": []}')["messages"]
    assert result.returncode in (0, 1), result.stderr[-2000:]
    return [f"{Path(message.get('url', '')).name}:{message.get('lastLine', '?')}: {message['message']} "
            f"[{message.get('extract', '').strip()[:120]}]" for message in messages if message["type"] == "error"]


IDREF_ATTRIBUTES = ("aria-describedby", "aria-labelledby", "aria-controls", "aria-owns", "aria-errormessage",
                    "aria-activedescendant", "for", "list", "form", "headers")


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids: set[str] = set()
        self.references: list[tuple[int, str, str]] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in IDREF_ATTRIBUTES and value and not (tag == "output" and name == "for"):
                self.references += [(self.getpos()[0], name, token) for token in value.split()]


def dangling_references(folder: Path) -> list[str]:
    """Attributes naming an id that is not on the page (the checker does not look): a screen reader
    then reads nothing, e.g. a password rule it never hears."""
    problems = []
    for path in sorted(folder.glob("*.html")):
        parser = _References()
        parser.feed(path.read_text())
        problems += [f"{path.name}:{line}: {name}={token!r} names no element" for line, name, token
                     in parser.references if token not in parser.ids]
    return problems



@pytest.fixture
def practice_data(settings, tmp_path, django_capture_on_commit_callbacks):
    """The demo data, sessions booked with Dr. Sarah Khan (one awaiting her answer) and their emails,
    and an expert with a long name and a long history with the demo customer: every state, refunds."""
    settings.EMAIL_BACKEND = "serene.notifications.mailbox.MailboxBackend"
    settings.EMAIL_FILE_PATH = tmp_path / "mail"
    call_command("seed_demo", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    sarah = Expert.objects.get(user__email=DEMO_EXPERT)
    Expert.objects.filter(pk=sarah.pk).update(minimum_notice_hours=0)
    sarah.refresh_from_db()
    customer = User.objects.get(email=DEMO_CUSTOMER)
    day = next_weekday()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = booked_paid(sarah, customer, at(day, 10))
        Expert.objects.filter(pk=sarah.pk).update(requires_approval=True)
        sarah.refresh_from_db()
        awaiting = booked_paid(sarah, customer, at(day + timedelta(days=1), 11))
    Expert.objects.filter(pk=sarah.pk).update(requires_approval=False)

    long = ExpertFactory(user__name=LONG_NAME, time_zone="America/New_York", headline="Anxiety and sleep")
    rows = practice(long, past=16, later=6, now=timezone.now(), customer=customer)
    Payment.objects.bulk_create([
        Payment(booking=row, gateway_order_id=f"order_html_{row.pk}", gateway_payment_id=f"pay_html_{row.pk}",
                amount_minor=row.price_minor, currency="INR",
                status=PaymentStatus.REFUNDED if row.status in (BookingStatus.CANCELLED, BookingStatus.REJECTED)
                else PaymentStatus.CAPTURED, captured_at=row.starts_at - timedelta(days=3))
        for row in rows if row.status != BookingStatus.EXPIRED])
    one_of_each = {}
    for row in Booking.objects.filter(customer=customer).order_by("starts_at"):
        one_of_each.setdefault(row.status, row)
    return {"sarah": sarah, "customer": customer, "confirmed": confirmed, "awaiting": awaiting,
            "long": long, "one_of_each": one_of_each}


def _pages(practice_data) -> list[tuple[str, str | None, str, int]]:
    """(name, who signs in, path, status) for each page the browser tests visit."""
    customer, confirmed, awaiting = practice_data["customer"], practice_data["confirmed"], practice_data["awaiting"]
    uid, token = urlsafe_base64_encode(force_bytes(customer.pk)), default_token_generator.make_token(customer)
    long_expert = practice_data["long"].user.email
    pages = [
        ("browse", None, "/", 200),
        ("browse-filtered", None, "/?category=therapy&language=hi&sort=recommended&min_price=1000&max_price=3000", 200),
        ("browse-price-error", None, "/?min_price=3000&max_price=1000", 400),
        ("profile", None, "/experts/sarah-khan/", 200),
        ("profile-long", None, f"/experts/{practice_data['long'].slug}/", 200),
        ("reviews", None, "/experts/sarah-khan/reviews/", 200),
        ("login", None, "/accounts/login/", 200),
        ("signup", None, "/accounts/signup/", 200),
        ("password-reset", None, "/accounts/password/reset/", 200),
        ("password-reset-sent", None, "/accounts/password/reset/sent/", 200),
        ("password-reset-confirm", None, f"/accounts/password/reset/{uid}/{token}/", 302),
        ("password-reset-done", None, "/accounts/password/reset/done/", 200),
        ("not-found", None, "/no-such-page/", 404),
        ("expert-not-found", None, "/experts/nobody-here/", 404),
        ("booking-failed", None, "/booking/failed", 200),
        ("customer-browse", DEMO_CUSTOMER, "/", 200),
        ("customer-profile-page", DEMO_CUSTOMER, "/experts/sarah-khan/", 200),
        ("customer-dashboard", DEMO_CUSTOMER, "/dashboard/", 200),
        ("customer-sessions", DEMO_CUSTOMER, "/dashboard/sessions/", 200),
        ("customer-sessions-past", DEMO_CUSTOMER, "/dashboard/sessions/?when=past", 200),
        ("customer-payments", DEMO_CUSTOMER, "/dashboard/payments/", 200),
        ("customer-success", DEMO_CUSTOMER, f"/booking/success?sessionId={confirmed.public_id}", 200),
        ("customer-success-awaiting", DEMO_CUSTOMER, f"/booking/success?sessionId={awaiting.public_id}", 200),
        ("customer-cancel", DEMO_CUSTOMER, f"/sessions/{confirmed.public_id}/cancel", 200),
        ("customer-reschedule", DEMO_CUSTOMER, f"/sessions/{confirmed.public_id}/reschedule", 200),
        ("account-profile", DEMO_CUSTOMER, "/accounts/profile/", 200),
        ("customer-notifications", DEMO_CUSTOMER, "/notifications/", 200),
        ("availability-editor", DEMO_EXPERT, "/expert/availability/", 200),
        ("expert-dashboard", DEMO_EXPERT, "/expert/dashboard/", 200),
        ("expert-sessions", DEMO_EXPERT, "/expert/sessions/", 200),
        ("expert-sessions-later", DEMO_EXPERT, "/expert/sessions/?when=later", 200),
        ("expert-session", DEMO_EXPERT, f"/sessions/{confirmed.public_id}/", 200),
        ("expert-accept", DEMO_EXPERT, f"/expert/sessions/{awaiting.public_id}/accept", 200),
        ("expert-reject", DEMO_EXPERT, f"/expert/sessions/{awaiting.public_id}/reject", 200),
        ("expert-cancel", DEMO_EXPERT, f"/expert/sessions/{confirmed.public_id}/cancel", 200),
        ("expert-notifications", DEMO_EXPERT, "/notifications/", 200),
        ("long-expert-dashboard", long_expert, "/expert/dashboard/", 200),
        ("long-expert-past", long_expert, "/expert/sessions/", 200),
        ("staff-operations", DEMO_STAFF, "/staff/operations/", 200),
        ("dev-mail-list", DEMO_STAFF, "/dev/mail/", 200),
    ]
    for status, booking in practice_data["one_of_each"].items():
        pages.append((f"customer-session-{status}", DEMO_CUSTOMER, f"/sessions/{booking.public_id}/", 200))
    room = Booking.objects.filter(customer=customer, status=BookingStatus.CONFIRMED,
                                  starts_at__lte=timezone.now() + timedelta(minutes=10),
                                  ends_at__gte=timezone.now()).first()
    if room is not None:
        pages.append(("customer-room", DEMO_CUSTOMER, f"/sessions/{room.public_id}/room/", 200))
    return pages


def test_every_page_the_browser_tests_visit_is_valid_html(client, practice_data, settings, tmp_path):
    settings.DEBUG = True  # for /dev/mail/, as the browser test turns it on
    folder = tmp_path / "html"
    folder.mkdir()
    signed_in = object()
    for name, email, path, status in _pages(practice_data):
        if email != signed_in:
            client.logout()
            if email:
                client.force_login(User.objects.get(email=email))
            signed_in = email
        response = client.get(path, follow=status == 302)
        assert response.status_code == (200 if status == 302 else status), (name, path, response.status_code)
        (folder / f"{name}.html").write_bytes(response.content)
    client.logout()
    refused = client.post("/accounts/signup/", {"name": "", "email": "not-an-email", "password": "short",
                                                "time_zone": "Asia/Kolkata"})
    assert refused.status_code in (200, 400) and b"field-error" in refused.content
    (folder / "signup-errors.html").write_bytes(refused.content)
    client.force_login(User.objects.get(email=DEMO_STAFF))
    saved = client.get("/dev/mail/").context["messages_saved"]
    assert saved, "the bookings wrote no email"
    (folder / "dev-mail-detail.html").write_bytes(client.get(f"/dev/mail/{saved[0].id}/").content)
    assert len(list(folder.glob("*.html"))) >= 40
    errors = vnu_errors(folder) + dangling_references(folder)
    assert errors == [], "\n".join(errors)


def test_the_checker_finds_an_error_when_there_is_one(tmp_path):
    (tmp_path / "bad.html").write_text('<!DOCTYPE html><html lang="en"><head><title>x</title></head>'
                                       '<body><span aria-label="4 out of 5">★★★★</span><img src="" alt=""></body></html>')
    errors = vnu_errors(tmp_path)
    assert any("aria-label" in error for error in errors), errors
    assert any("src" in error for error in errors), errors


def test_a_reference_to_an_id_that_is_not_on_the_page_is_found(tmp_path):
    (tmp_path / "page.html").write_text('<label for="name">Name</label><input id="name" aria-describedby="name-help">'
                                        '<p id="name_helptext">At least two letters.</p>')
    assert dangling_references(tmp_path) == ["page.html:1: aria-describedby='name-help' names no element"]
