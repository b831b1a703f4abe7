"""Account pages: sign up, log in and out, password reset and profile."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme

from serene.core.errors import InvalidInput, TooManyAttempts

from . import services
from .forms import AutomaticPasswordResetForm, EmailLoginForm, ProfileForm, SignupForm


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = EmailLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """Logs out by POST only (a link must not sign anyone out); a GET shows the one button that does,
    or sends a visitor who is not signed in home."""
    http_method_names = ["get", "post", "options"]
    template_name = "accounts/logout.html"

    def get(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("marketplace:browse")
        return render(request, self.template_name)


def signup(request):
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = SignupForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                user = services.user_create_customer(
                    email=form.cleaned_data["email"], name=form.cleaned_data["name"],
                    password=form.cleaned_data["password"], time_zone=form.cleaned_data.get("time_zone", ""),
                    address=request.META.get("REMOTE_ADDR"))
            except (InvalidInput, TooManyAttempts) as error:  # a taken email (400), or too many sign-ups (429)
                form.add_error(error.field, error.message)
                status = error.status
            else:
                login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                messages.success(request, f"Welcome to Serene, {user.get_short_name()}!")
                return redirect(_safe_next(request))
        else:
            status = 400
    return render(request, "accounts/signup.html", {"form": form, "next": _safe_next(request, "")}, status=status)


@login_required
def profile(request):
    user = request.user
    initial = {"name": user.name, "phone": user.phone, "time_zone": user.time_zone}
    form = ProfileForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.user_update_profile(user=user, **form.cleaned_data)
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
        status = 400
    return render(request, "accounts/profile.html", {"form": form}, status=status)


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/email/password_reset.txt"
    html_email_template_name = "accounts/email/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    form_class = AutomaticPasswordResetForm
    success_url = reverse_lazy("accounts:password_reset_done")


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"
