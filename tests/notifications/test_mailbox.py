"""The development mailbox: one whole .eml per message, and /dev/mail/ to read them, in debug only."""
import email
import re
from email import policy

import pytest

from serene.core.errors import NotFound
from serene.notifications.mailbox import ID_PATTERN, MailboxBackend, mailbox_message_get
from tests.factories import UserFactory

from .conftest import ICS


def _saved(folder):
    return sorted(folder.iterdir())


def test_the_backend_writes_one_parseable_eml_with_html_text_and_the_invite(mailbox, send_confirmation):
    assert send_confirmation() == 1

    files = _saved(mailbox)
    assert len(files) == 1, "only the finished file is left: no temporary file beside it"
    assert files[0].suffix == ".eml"
    assert re.fullmatch(r"\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{8}", files[0].stem)
    parsed = email.message_from_bytes(files[0].read_bytes(), policy=policy.default)
    assert parsed["Subject"] == "Your session with Dr. Sarah Khan is confirmed!"
    assert parsed["To"] == "asha@example.test"
    assert parsed["Bcc"] == "audit@example.test"
    assert "Tue 1 Dec, 10:00" in parsed.get_body(preferencelist=("plain",)).get_content()
    assert "<h1>Your session with Dr. Sarah Khan is confirmed!</h1>" in parsed.get_body(preferencelist=("html",)).get_content()
    [invite] = list(parsed.iter_attachments())
    assert invite.get_filename() == "invite.ics"
    assert invite.get_content_type() == "text/calendar"
    assert invite.get_payload(decode=True).replace(b"\r\n", b"\n") == ICS.replace(b"\r\n", b"\n")


def test_a_batch_returns_how_many_were_saved_and_names_sort_by_time(mailbox):
    from django.core.mail import EmailMessage, get_connection
    messages = [EmailMessage(subject=f"Message {n}", body="Hello", to=["a@example.test"]) for n in range(3)]
    messages.append(EmailMessage(subject="Nobody", body="No recipients"))
    assert get_connection().send_messages(messages) == 3
    subjects = [email.message_from_bytes(path.read_bytes(), policy=policy.default)["Subject"] for path in _saved(mailbox)]
    assert subjects == ["Message 0", "Message 1", "Message 2"]


def test_the_backend_creates_its_folder_and_honours_fail_silently(tmp_path):
    from django.core.mail import EmailMessage
    folder = tmp_path / "deep" / "mail"
    assert MailboxBackend(file_path=folder).send_messages([EmailMessage(subject="Hi", body=".", to=["a@example.test"])]) == 1
    assert len(list(folder.glob("*.eml"))) == 1
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    message = EmailMessage(subject="Hi", body=".", to=["a@example.test"])
    assert MailboxBackend(file_path=blocked, fail_silently=True).send_messages([message]) == 0
    with pytest.raises(OSError):
        MailboxBackend(file_path=blocked).send_messages([message])


# --- /dev/mail/ ---------------------------------------------------------------------------------

@pytest.fixture
def saved_id(mailbox, send_confirmation, settings):
    settings.DEBUG = True
    send_confirmation()
    [path] = _saved(mailbox)
    return path.stem


def test_the_list_shows_newest_first_with_recipient_subject_and_attachments(client, mailbox, send_confirmation, settings):
    settings.DEBUG = True
    send_confirmation(subject="First", to="first@example.test")
    send_confirmation(subject="Second", to="second@example.test")
    page = client.get("/dev/mail/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.index("Second") < html.index("First")
    assert "To second@example.test" in html
    assert html.count("1 attachment") == 2
    for path in _saved(mailbox):
        assert f'href="/dev/mail/{path.stem}/"' in html


def test_an_empty_mailbox_says_how_to_fill_it(client, mailbox, settings):
    settings.DEBUG = True
    page = client.get("/dev/mail/")
    assert page.status_code == 200
    assert "No emails yet." in page.content.decode()


def test_the_message_page_shows_headers_text_the_html_frame_and_attachment_links(client, saved_id):
    page = client.get(f"/dev/mail/{saved_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your session with Dr. Sarah Khan is confirmed!" in html
    for header in ("asha@example.test", "records@example.test", "audit@example.test", "noreply@serene.test"):
        assert header in html
    assert f'<iframe class="mail-frame" src="/dev/mail/{saved_id}/html"' in html
    assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in html
    assert "Tue 1 Dec, 10:00 (Asia/Kolkata)." in html
    assert f'href="/dev/mail/{saved_id}/attachments/0"' in html
    assert "invite.ics" in html


def test_the_html_part_is_served_alone_under_a_strict_policy(client, saved_id):
    response = client.get(f"/dev/mail/{saved_id}/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    policy_header = response["Content-Security-Policy"]
    assert "default-src 'none'" in policy_header
    assert "frame-ancestors 'self'" in policy_header
    assert "sandbox" in policy_header and "allow-scripts" not in policy_header
    body = response.content.decode()
    assert "<h1>Your session with Dr. Sarah Khan is confirmed!</h1>" in body
    assert '<head><base target="_blank">' in body, "links in the email open outside the frame"


def test_an_attachment_downloads_with_its_type_and_name(client, saved_id):
    response = client.get(f"/dev/mail/{saved_id}/attachments/0")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="invite.ics"'
    assert response.content.replace(b"\r\n", b"\n") == ICS.replace(b"\r\n", b"\n")
    assert client.get(f"/dev/mail/{saved_id}/attachments/1").status_code == 404


def test_the_whole_message_downloads_as_eml(client, saved_id, mailbox):
    response = client.get(f"/dev/mail/{saved_id}/raw")
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response.content == (mailbox / f"{saved_id}.eml").read_bytes()


@pytest.mark.parametrize("suffix", ["", "{id}/", "{id}/html", "{id}/raw", "{id}/attachments/0"])
def test_every_page_is_missing_when_debug_is_off(client, saved_id, settings, suffix):
    assert client.get("/dev/mail/" + suffix.format(id=saved_id)).status_code == 200
    settings.DEBUG = False
    response = client.get("/dev/mail/" + suffix.format(id=saved_id))
    assert response.status_code == 404
    assert b"Dr. Sarah Khan" not in response.content


@pytest.mark.parametrize("message_id", [
    "notes",                                # an .eml in the folder whose name is not the pattern
    "..%2Fsecret",                          # a sibling of the folder
    "..",
    "20261130T210611.123456Z-0000000g",     # almost the pattern
    "20261130T210611.123456Z-00000000",     # the pattern, but no such file
])
@pytest.mark.parametrize("suffix", ["/", "/html", "/raw", "/attachments/0"])
def test_only_saved_messages_named_by_the_pattern_are_ever_read(client, saved_id, mailbox, message_id, suffix):
    (mailbox / "notes.eml").write_bytes((mailbox / f"{saved_id}.eml").read_bytes())
    (mailbox.parent / "secret.eml").write_bytes((mailbox / f"{saved_id}.eml").read_bytes())
    response = client.get(f"/dev/mail/{message_id}{suffix}")
    assert response.status_code == 404
    assert b"Dr. Sarah Khan" not in response.content


@pytest.mark.parametrize("message_id", ["../secret", "notes", "/etc/passwd", "", "20261130T210611.123456Z-00000000.eml"])
def test_the_reader_refuses_ids_that_are_not_saved_messages(mailbox, send_confirmation, message_id):
    send_confirmation()
    (mailbox / "notes.eml").write_text("Subject: planted\n\nhello")
    (mailbox.parent / "secret.eml").write_text("Subject: outside\n\nhello")
    with pytest.raises(NotFound):
        mailbox_message_get(message_id=message_id)


def test_the_id_pattern_accepts_what_the_backend_writes(mailbox, send_confirmation):
    send_confirmation()
    [path] = _saved(mailbox)
    assert ID_PATTERN.match(path.stem)
    assert mailbox_message_get(message_id=path.stem).attachments[0].filename == "invite.ics"


@pytest.mark.django_db
def test_a_password_reset_asked_for_on_the_real_form_appears_in_dev_mail(client, mailbox, settings):
    settings.DEBUG = True
    UserFactory(email="asha@example.test", name="Asha Verma")
    assert client.post("/accounts/password/reset/", {"email": "asha@example.test"}).status_code == 302

    listing = client.get("/dev/mail/").content.decode()
    assert "Reset your Serene password" in listing
    assert "To asha@example.test" in listing
    message_id = re.search(r'href="/dev/mail/([^/"]+)/"', listing).group(1)
    detail = client.get(f"/dev/mail/{message_id}/").content.decode()
    assert re.search(r"http://testserver/accounts/password/reset/[^/\s]+/[^/\s]+/", detail)
    assert "Choose a new password" in client.get(f"/dev/mail/{message_id}/html").content.decode()


def test_a_plain_text_message_has_no_frame_and_no_html_address(client, mailbox, settings):
    from django.core.mail import send_mail
    settings.DEBUG = True
    send_mail("Plain only", "Just words.", None, ["asha@example.test"])
    [path] = _saved(mailbox)
    html = client.get(f"/dev/mail/{path.stem}/").content.decode()
    assert "Just words." in html
    assert "<iframe" not in html
    assert client.get(f"/dev/mail/{path.stem}/html").status_code == 404


def test_an_unnamed_attachment_gets_a_name_from_its_type(client, mailbox, settings):
    from email.mime.application import MIMEApplication

    from django.core.mail import EmailMessage
    settings.DEBUG = True
    message = EmailMessage(subject="Receipt", body="Attached.", to=["asha@example.test"])
    message.attach(MIMEApplication(b"%PDF-1.4 receipt", "pdf"))
    message.send()
    [path] = _saved(mailbox)
    response = client.get(f"/dev/mail/{path.stem}/attachments/0")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="attachment-1.pdf"'
    assert response.content == b"%PDF-1.4 receipt"


def test_a_part_in_an_unknown_charset_is_still_shown(client, mailbox, settings):
    settings.DEBUG = True
    mailbox.mkdir(parents=True)
    name = "20261130T210611.123456Z-0123abcd"
    (mailbox / f"{name}.eml").write_bytes(b"Subject: Odd\r\nTo: a@example.test\r\n"
                                          b"Content-Type: text/plain; charset=x-unknown-charset\r\n\r\nStill readable\r\n")
    assert "Still readable" in client.get(f"/dev/mail/{name}/").content.decode()
    assert "Odd" in client.get("/dev/mail/").content.decode()


def test_an_outbox_invite_downloads_as_a_calendar_request(client, mailbox, settings):
    from serene.notifications.delivery import message_as_email
    from serene.notifications.models import Message
    settings.DEBUG = True
    outbox_message = Message(subject="Your session is confirmed", body_text="See you.", body_html="<p>See you.</p>",
                             to_email="asha@example.test", message_id="<test-1@serene>",
                             ics=ICS.decode(), ics_method="REQUEST")
    assert message_as_email(outbox_message).send() == 1
    [path] = _saved(mailbox)
    response = client.get(f"/dev/mail/{path.stem}/attachments/0")
    assert response["Content-Type"] == "text/calendar; charset=utf-8; method=REQUEST"
    assert response["Content-Disposition"] == 'attachment; filename="invite.ics"'
    assert b"BEGIN:VCALENDAR" in response.content
