"""The development mailbox: an email backend that keeps each message as one .eml file, and its reader.

Files are named by the UTC instant they were saved plus a random part, so a name sorts by time and
doubles as the message's id in /dev/mail/ URLs; only names of that shape are ever opened.
"""
from __future__ import annotations

import email
import mimetypes
import os
import re
import secrets
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage as ParsedMessage
from email.message import MIMEPart
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend

from serene.core.errors import NotFound

ID_PATTERN = re.compile(r"\A(\d{8}T\d{6}\.\d{6}Z)-([0-9a-f]{8})\Z")
_STAMP_FORMAT = "%Y%m%dT%H%M%S.%fZ"


def mailbox_directory() -> Path:
    return Path(settings.EMAIL_FILE_PATH)


class MailboxBackend(BaseEmailBackend):
    """Writes each message to EMAIL_FILE_PATH as `<UTC stamp>-<random>.eml`, whole or not at all."""

    def __init__(self, *, file_path: str | Path | None = None, fail_silently: bool = False, **kwargs) -> None:
        super().__init__(fail_silently=fail_silently, **kwargs)
        self.directory = Path(file_path) if file_path else mailbox_directory()

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        sent = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for message in email_messages:
                if message.recipients():
                    self._save(message)
                    sent += 1
        except OSError:
            if not self.fail_silently:
                raise
        return sent

    def _save(self, message: EmailMessage) -> Path:
        mime = message.message()
        if message.bcc:
            # Bcc never travels in the headers; the saved copy names it so a developer sees who would get it.
            mime["Bcc"] = ", ".join(message.bcc)
        data = mime.as_bytes(linesep="\r\n")
        # A reader listing the folder must never see half a message: write a hidden temporary file,
        # then link it under its final name, which fails rather than overwrite a name already taken.
        descriptor, temporary = tempfile.mkstemp(dir=self.directory, prefix=".incoming-", suffix=".tmp")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            while True:
                target = self.directory / f"{_new_id()}.eml"
                try:
                    os.link(temporary, target)
                except FileExistsError:
                    continue
                except OSError:
                    # A filesystem without hard links: a rename is as atomic, it only would not refuse
                    # a taken name, which a microsecond stamp plus 32 random bits makes moot.
                    os.replace(temporary, target)
                return target
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


def _new_id() -> str:
    return f"{datetime.now(UTC).strftime(_STAMP_FORMAT)}-{secrets.token_hex(4)}"


# --- Reading ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Attachment:
    index: int
    filename: str
    content_type: str
    media_type: str  # the full Content-Type to serve it with, its parameters kept (an invite's method)
    size: int


@dataclass(frozen=True)
class StoredMessage:
    id: str
    saved_at: datetime
    subject: str
    sender: str
    to: str
    cc: str
    bcc: str
    reply_to: str
    headers: list[tuple[str, str]]
    text: str | None
    html: str | None
    attachments: list[Attachment]
    _parsed: ParsedMessage = field(repr=False, compare=False)

    def attachment_content(self, index: int) -> tuple[Attachment, bytes]:
        """The attachment's description and its decoded bytes; NotFound for an index it does not have."""
        parts = _attachment_parts(self._parsed)
        if not 0 <= index < len(parts):
            raise NotFound("This message has no such attachment.")
        return self.attachments[index], _payload_bytes(parts[index])


def _path_for(directory: Path, message_id: str) -> Path:
    """The file of a well-formed id that exists in the folder; anything else is NotFound."""
    if not ID_PATTERN.match(message_id or ""):
        raise NotFound("There is no such message in the development mailbox.")
    path = directory / f"{message_id}.eml"
    if not path.is_file():
        raise NotFound("There is no such message in the development mailbox.")
    return path


def mailbox_message_ids(*, directory: Path | None = None) -> list[str]:
    """Ids of the saved messages, newest first."""
    folder = directory or mailbox_directory()
    if not folder.is_dir():
        return []
    ids = [path.stem for path in folder.glob("*.eml") if ID_PATTERN.match(path.stem)]
    return sorted(ids, reverse=True)


def mailbox_list(*, directory: Path | None = None, limit: int = 200) -> list[StoredMessage]:
    """The newest `limit` messages, newest first."""
    folder = directory or mailbox_directory()
    messages = []
    for message_id in mailbox_message_ids(directory=folder)[:limit]:
        try:
            messages.append(mailbox_message_get(message_id=message_id, directory=folder))
        except NotFound:  # removed between the listing and the read
            continue
    return messages


def mailbox_message_raw(*, message_id: str, directory: Path | None = None) -> bytes:
    return _path_for(directory or mailbox_directory(), message_id).read_bytes()


def mailbox_message_get(*, message_id: str, directory: Path | None = None) -> StoredMessage:
    raw = mailbox_message_raw(message_id=message_id, directory=directory)
    parsed = email.message_from_bytes(raw, policy=policy.default)
    text_part = parsed.get_body(preferencelist=("plain",))
    html_part = parsed.get_body(preferencelist=("html",))
    attachments = [
        Attachment(index=index, filename=_filename(part, index), content_type=part.get_content_type(),
                   media_type=_media_type(part), size=len(_payload_bytes(part)))
        for index, part in enumerate(_attachment_parts(parsed))
    ]
    matched = ID_PATTERN.match(message_id)
    if matched is None:  # mailbox_message_raw has refused it already
        raise NotFound("There is no such message in the development mailbox.")
    stamp = matched.group(1)
    return StoredMessage(
        id=message_id,
        saved_at=datetime.strptime(stamp, _STAMP_FORMAT).replace(tzinfo=UTC),
        subject=str(parsed.get("Subject", "")),
        sender=str(parsed.get("From", "")),
        to=str(parsed.get("To", "")),
        cc=str(parsed.get("Cc", "")),
        bcc=str(parsed.get("Bcc", "")),
        reply_to=str(parsed.get("Reply-To", "")),
        headers=[(name, str(value)) for name, value in parsed.items()],
        text=_text_of(text_part),
        html=_text_of(html_part),
        attachments=attachments,
        _parsed=parsed,
    )


def _text_of(part: MIMEPart | None) -> str | None:
    if part is None:
        return None
    try:
        return part.get_content()
    except (LookupError, ValueError):  # a charset Python does not know: show what can be shown
        return _payload_bytes(part).decode("utf-8", errors="replace")


def _payload_bytes(part: MIMEPart) -> bytes:
    """A leaf part's decoded payload: bytes, or None (read as empty) when there is none."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _attachment_parts(parsed: ParsedMessage) -> list[ParsedMessage]:
    """Every leaf part that is not the text or HTML body, in the order it appears."""
    bodies = {id(part) for part in (parsed.get_body(preferencelist=("plain",)),
                                    parsed.get_body(preferencelist=("html",))) if part is not None}
    return [part for part in parsed.walk() if not part.is_multipart() and id(part) not in bodies]


def _media_type(part: ParsedMessage) -> str:
    """The part's type with its parameters but its file name; text always says its charset."""
    params = {name.lower(): value for name, value in (part.get_params() or [])[1:] if name.lower() != "name"}
    if part.get_content_maintype() == "text":
        params.setdefault("charset", "utf-8")
    return "; ".join([part.get_content_type(), *(f"{name}={value}" for name, value in params.items())])


def _filename(part: ParsedMessage, index: int) -> str:
    name = part.get_filename()
    if name:
        # A name is only ever offered back as a download name, never used as a path.
        return Path(name.replace("\\", "/")).name or f"attachment-{index + 1}"
    extension = mimetypes.guess_extension(part.get_content_type()) or ".bin"
    return f"attachment-{index + 1}{extension}"
