"""Sign-in over JSON for a single-page client: a CSRF token, log in, log out, and who am I."""
from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Field, Router, Schema

from serene.core.api_common import answers, csrf_require, session_auth
from serene.experts.models import Expert

from . import services
from .models import User

router = Router(tags=["auth"])


class CsrfOut(Schema):
    success: bool
    csrfToken: str = Field(description="Send it back in the X-CSRFToken header on every POST and PUT.")


class LoginIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)


class UserOut(Schema):
    id: str
    email: str
    name: str
    role: str = Field(description="customer, expert or staff")
    timezone: str
    expertId: str | None = Field(description="The expert profile's id, for an expert; otherwise null.")


class MeOut(Schema):
    success: bool
    user: UserOut


class LoginOut(MeOut):
    csrfToken: str = Field(description="The token rotates at sign-in: use this one from now on.")


class LogoutOut(Schema):
    success: bool


def user_as_json(user: User) -> dict:
    expert_slug = Expert.objects.filter(user=user).values_list("slug", flat=True).first()
    return {"id": str(user.pk), "email": user.email, "name": user.name, "role": user.role,
            "timezone": user.time_zone, "expertId": expert_slug}


@router.get("/auth/csrf", response=answers({200: CsrfOut}), summary="Set the CSRF cookie and return its token",
            description="Call once before signing in: it sets the `csrftoken` cookie. Send the token back in the "
                        "`X-CSRFToken` header on `POST /auth/login` and every later `POST`/`PUT`.")
def get_csrf(request: HttpRequest):
    return {"success": True, "csrfToken": get_token(request)}


@router.post("/auth/login", response=answers({200: LoginOut}, 400, 401, 403, 413, 429),
             summary="Sign in with email and password; sets the session cookie",
             description="Needs the CSRF token from `GET /auth/csrf` in `X-CSRFToken` (403 `csrf_failed` without). "
                         "Wrong credentials answer 401 `invalid_credentials`; repeated failures lock the account or "
                         "address for a while (429 `too_many_attempts`), as on the sign-in page.")
def post_login(request: HttpRequest, body: LoginIn):
    csrf_require(request)
    user = services.login_attempt(request=request, email=body.email, password=body.password,
                                  address=request.META.get("REMOTE_ADDR"))
    login(request, user)
    return {"success": True, "user": user_as_json(user), "csrfToken": get_token(request)}


@router.post("/auth/logout", auth=session_auth, response=answers({200: LogoutOut}, 400, 401, 403, 413),
             summary="Sign out (needs X-CSRFToken)")
def post_logout(request: HttpRequest):
    logout(request)
    return {"success": True}


@router.get("/auth/me", auth=session_auth, response=answers({200: MeOut}, 401), summary="Who is signed in")
def get_me(request: HttpRequest):
    return {"success": True, "user": user_as_json(request.user)}
