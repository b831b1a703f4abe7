"""Sign-in over JSON for a single-page client: a CSRF token, log in, log out, and who am I (with the
expert profile of an expert, which is why it sits above accounts and experts)."""
from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import get_token
from ninja import Field, Router, Schema

from serene.core.api_common import answers, csrf_require, session_auth
from serene.core.errors import InvalidInput
from serene.accounts import services
from serene.accounts.forms import SignupForm
from serene.accounts.models import User
from serene.accounts.requests import AuthenticatedHttpRequest
from serene.experts.selectors import expert_slug_of_user

router = Router(tags=["auth"])


class CsrfOut(Schema):
    success: bool
    csrfToken: str = Field(description="Send it back in the X-CSRFToken header on every POST and PUT.")


class LoginIn(Schema):
    email: str = Field(max_length=254)
    password: str = Field(max_length=4096)


class SignupIn(Schema):
    name: str = Field(max_length=4096)
    email: str = Field(max_length=4096)
    password: str = Field(max_length=4096)
    timezone: str = Field("", max_length=64, description="The browser's IANA zone; the default zone when empty or unknown.")


class FieldErrors(InvalidInput):
    """400 with a message per input, as the sign-up page shows them beside its fields."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        first = next(iter(fields))
        super().__init__(fields[first][0], field=first)
        self.fields = fields

    def as_dict(self) -> dict:
        body = super().as_dict()
        body["error"]["fields"] = self.fields
        return body


class UserOut(Schema):
    id: str
    email: str
    name: str
    shortName: str = Field(description='How pages greet the person: the first name, past a title ("Dr. Sarah Khan" '
                                       'is "Sarah").')
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
    expert_slug = expert_slug_of_user(user=user)
    return {"id": str(user.pk), "email": user.email, "name": user.name, "shortName": user.get_short_name(), "role": user.role,
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
    services.session_sign_in(request=request, user=user)
    return {"success": True, "user": user_as_json(user), "csrfToken": get_token(request)}


@router.post("/auth/signup", response=answers({200: LoginOut}, 400, 403, 413, 429),
             summary="Create a customer account and sign in; sets the session cookie",
             description="Needs the CSRF token from `GET /auth/csrf` in `X-CSRFToken`. The sign-up page's rules: "
                         "a name, a valid email not yet registered, a password the password validators accept. "
                         "Bad input answers 400 with `error.fields` (each input's messages); too many sign-ups from "
                         "one network answer 429 `too_many_attempts`. The CSRF token rotates: use the one returned.")
def post_signup(request: HttpRequest, body: SignupIn):
    csrf_require(request)
    form = SignupForm({"name": body.name, "email": body.email, "password": body.password, "time_zone": body.timezone})
    if not form.is_valid():
        raise FieldErrors({field: [str(message) for message in messages] for field, messages in form.errors.items()})
    try:
        user = services.user_create_customer(
            email=form.cleaned_data["email"], name=form.cleaned_data["name"], password=form.cleaned_data["password"],
            time_zone=form.cleaned_data.get("time_zone", ""), address=request.META.get("REMOTE_ADDR"))
    except InvalidInput as error:  # the email is taken
        raise FieldErrors({error.field or "email": [error.message]}) from None
    services.session_sign_in(request=request, user=user)
    return {"success": True, "user": user_as_json(user), "csrfToken": get_token(request)}


@router.post("/auth/logout", auth=session_auth, response=answers({200: LogoutOut}, 400, 401, 403, 413),
             summary="Sign out (needs X-CSRFToken)")
def post_logout(request: AuthenticatedHttpRequest):
    services.session_sign_out(request=request)
    return {"success": True}


@router.get("/auth/me", auth=session_auth, response=answers({200: MeOut}, 401), summary="Who is signed in")
def get_me(request: AuthenticatedHttpRequest):
    return {"success": True, "user": user_as_json(request.user)}
