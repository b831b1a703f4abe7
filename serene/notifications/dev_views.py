"""/dev/mail/: the messages the mailbox backend saved, readable in the browser, in debug only.

The URLs are always mounted (the URLconf is read once) and answer 404 unless DEBUG is on, so the
pages cannot be told apart from an unknown address in production.
"""
from __future__ import annotations

import re
from functools import wraps
from typing import cast

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_safe

from serene.core.errors import NotFound

from .mailbox import mailbox_list, mailbox_message_get, mailbox_message_ids, mailbox_message_raw

LIST_LIMIT = 200
# The HTML of an email is shown in a sandboxed frame, and is itself sandboxed: no scripts, no
# requests anywhere (remote images included), no forms; links open in a new tab.
HTML_POLICY = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; base-uri 'none'; "
               "form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox")
_HEAD_OPEN = re.compile(r"<head(\s[^>]*)?>", re.IGNORECASE)


def debug_only(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not settings.DEBUG:
            raise Http404()
        return view(request, *args, **kwargs)
    return wrapper


@debug_only
@require_safe
def message_list(request: HttpRequest) -> HttpResponse:
    total = len(mailbox_message_ids())
    return render(request, "notifications/dev_mail_list.html", {
        "messages_saved": mailbox_list(limit=LIST_LIMIT), "total": total, "limit": LIST_LIMIT,
        "folder": settings.EMAIL_FILE_PATH, "backend": settings.EMAIL_BACKEND,
        "is_mailbox": settings.EMAIL_BACKEND.endswith(".MailboxBackend"),
    })


@debug_only
@require_safe
def message_detail(request: HttpRequest, message_id: str) -> HttpResponse:
    message = mailbox_message_get(message_id=message_id)
    return render(request, "notifications/dev_mail_detail.html", {"message": message})


@debug_only
@require_safe
@xframe_options_sameorigin
def message_html(request: HttpRequest, message_id: str) -> HttpResponse:
    message = mailbox_message_get(message_id=message_id)
    if message.html is None:
        raise NotFound("This message has no HTML part.")
    response = HttpResponse(_links_open_in_a_new_tab(message.html), content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = HTML_POLICY
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


@debug_only
@require_safe
def message_attachment(request: HttpRequest, message_id: str, index: int) -> HttpResponse:
    attachment, content = mailbox_message_get(message_id=message_id).attachment_content(index)
    response = HttpResponse(content, content_type=attachment.media_type)
    response["Content-Disposition"] = _download(attachment.filename)
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@debug_only
@require_safe
def message_raw(request: HttpRequest, message_id: str) -> HttpResponse:
    response = HttpResponse(mailbox_message_raw(message_id=message_id), content_type="message/rfc822")
    response["Content-Disposition"] = _download(f"{message_id}.eml")
    return response


def _download(filename: str) -> str:
    # None only for an inline disposition without a filename, never for an attachment.
    return cast(str, content_disposition_header(as_attachment=True, filename=filename))


def _links_open_in_a_new_tab(html: str) -> str:
    base = '<base target="_blank">'
    match = _HEAD_OPEN.search(html)
    if match:
        return html[:match.end()] + base + html[match.end():]
    return base + html
