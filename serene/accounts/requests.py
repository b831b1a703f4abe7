"""The request a signed-in user's view receives (behind login_required, or an API route with
session_auth): its user is a User, never AnonymousUser. A type only; Django builds requests as ever."""
from django.http import HttpRequest

from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
