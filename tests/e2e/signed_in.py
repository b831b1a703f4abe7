"""A browser context signed in as someone, without the log-in form: a session made by Django's test
client, its cookie handed to the browser (the form itself has tests of its own)."""
from __future__ import annotations

from django.conf import settings
from django.test import Client

from serene.accounts.models import User


def sign_in_context(context, url: str, email: str) -> None:
    client = Client()
    client.force_login(User.objects.get(email=email))
    context.clear_cookies()
    context.add_cookies([{"name": settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[settings.SESSION_COOKIE_NAME].value, "url": url}])
