"""Forms for the account pages. They parse and validate input; the rules live in services."""
from __future__ import annotations

import logging
import re

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.mail import EmailMultiAlternatives
from django.template import loader

from serene.core.email_config import AUTOMATIC_EMAIL_HEADERS
from serene.core.errors import TooManyAttempts
from serene.core.forms import TimeZoneChoiceField
from serene.core.text import plain_text

from . import services

logger = logging.getLogger(__name__)

PHONE_PATTERN = re.compile(r"^\+?[0-9 ()-]{7,20}$")


def _clean_phone(value: str) -> str:
    value = value.strip()
    if value and not PHONE_PATTERN.match(value):
        raise forms.ValidationError("Enter a phone number with digits only, e.g. +91 98765 43210.")
    return value


class EmailLoginForm(AuthenticationForm):
    username = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}))
    error_messages = {
        "invalid_login": "That email and password do not match an account. Check both and try again.",
        "inactive": "This account is inactive.",
    }

    def _client_address(self) -> str | None:
        return self.request.META.get("REMOTE_ADDR") if self.request else None

    def clean(self):
        email = (self.cleaned_data.get("username") or "").strip().lower()
        password = self.cleaned_data.get("password")
        if not email or not password:
            return self.cleaned_data
        try:
            self.user_cache = services.login_attempt(request=self.request, email=email, password=password,
                                                     address=self._client_address())
        except TooManyAttempts as exc:
            raise forms.ValidationError(exc.message, code="locked") from None
        except services.InvalidCredentials:
            raise self.get_invalid_login_error() from None
        self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def _clean_name(name: str) -> str:
    """The name as the services keep it (core.text.plain_text), so the form says at once when nothing
    visible is left."""
    name = plain_text(name)
    if not name:
        raise forms.ValidationError("Please tell us your name.")
    return name


class SignupForm(forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    email = forms.EmailField(widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    password = forms.CharField(widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
                               help_text="At least 10 characters; not a common password.")
    time_zone = forms.CharField(required=False, widget=forms.HiddenInput())

    def clean_name(self):
        return _clean_name(self.cleaned_data["name"])

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data  # what forms.Form.clean returns
        password = cleaned.get("password")
        if password:
            from .models import User
            probe = User(email=cleaned.get("email", ""), name=cleaned.get("name", ""))
            try:
                password_validation.validate_password(password, probe)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autocomplete": "name"}))
    phone = forms.CharField(max_length=20, required=False,
                            widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}))
    time_zone = TimeZoneChoiceField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The stored zone stays in the list even if it is an unusual one.
        self.fields["time_zone"] = TimeZoneChoiceField(current=self.initial.get("time_zone", ""))

    def clean_name(self):
        return _clean_name(self.cleaned_data["name"])

    def clean_phone(self):
        return _clean_phone(self.cleaned_data.get("phone", ""))


class AutomaticPasswordResetForm(PasswordResetForm):
    """Django's password reset, its email marked as automatic (AUTOMATIC_EMAIL_HEADERS) like every other."""

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email,
                  html_email_template_name=None):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        message = EmailMultiAlternatives(subject, body, from_email, [to_email], headers=dict(AUTOMATIC_EMAIL_HEADERS))
        if html_email_template_name is not None:
            message.attach_alternative(loader.render_to_string(html_email_template_name, context), "text/html")
        try:
            message.send()
        except Exception:  # as Django's own: the page must not tell whether the address has an account
            logger.exception("Failed to send the password reset email to %s", context["user"].pk)
