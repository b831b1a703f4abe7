"""What every other concern builds on: where Serene lives, debug, its address, and Django's wiring
(apps, middleware, templates, static files, caches, language and time)."""
from __future__ import annotations

import warnings
from pathlib import Path

from serene.settings.env import env, site_url_problem, warn_at_start

BASE_DIR = Path(__file__).resolve().parent.parent.parent
# The SQLite database, mail, media and static files live here; serene.core makes the folder when
# Django starts (CoreConfig.ready), not when this module is imported.
VAR_DIR = Path(env.str("SERENE_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env.bool("DEBUG", False)
# The one public address: emails, invites and the emulator's defaults (RAZORPAY_CHECKOUT_JS…) are built
# from it, so it is fixed, never guessed from a request (a visitor's Host header must not choose where
# another person's email links point). Listening on every interface (make run HOST=0.0.0.0) does not
# change it: set SITE_URL to the address people use.
SITE_URL = env.str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if site_url_problem(SITE_URL):
    warn_at_start(site_url_problem(SITE_URL),
                  "Set SITE_URL to the address people open, e.g. SITE_URL=http://192.168.1.20:8000 "
                  "(make run HOST=0.0.0.0 PORT=8000 SITE_URL=http://192.168.1.20:8000).")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "serene.core",
    "serene.accounts",
    "serene.experts",
    "serene.availability",
    "serene.bookings",
    "serene.payments",
    "serene.notifications",
    "serene.payments.sandbox",  # tables only; its URLs are mounted when PAYMENTS_SANDBOX is on
    "serene.video",
    # The composition layer: pages and the sessions API, by audience, above the domain apps.
    "serene.marketplace",
    "serene.customer",
    "serene.desk",
    "serene.staff",
    "csp",
]

MIDDLEWARE = [
    "serene.core.observability.RequestMetricsMiddleware",  # first, so it times everything below
    "django.middleware.security.SecurityMiddleware",
    "serene.core.security.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "serene.core.middleware.AppErrorMiddleware",
    "serene.core.middleware.ApiMethodNotAllowedMiddleware",
    "serene.core.middleware.PageMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "serene.urls"
# HTTP in production goes through WSGI (the Procfile's `web`), websockets through ASGI (`ws`).
ASGI_APPLICATION = "serene.asgi.application"
WSGI_APPLICATION = "serene.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "serene" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "serene.core.context_processors.site",
                "serene.notifications.context_processors.notices",
                "csp.context_processors.nonce",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "marketplace:browse"
LOGOUT_REDIRECT_URL = "marketplace:browse"

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "en-in"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
DEFAULT_USER_TIME_ZONE = "Asia/Kolkata"

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# Made at start-up with VAR_DIR (WhiteNoise warns about a missing one); collectstatic writes here.
STATIC_ROOT = Path(env.str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "serene" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# WhiteNoise streams files synchronously; under ASGI Django warns once per file. The files are small.
warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", 2 * 1024 * 1024)

# --- Caches -------------------------------------------------------------------------------------
# "availability": each expert's parsed availability rules, per process (selectors.cached_rules). Its
# keys hold the stamp of the rules' last change (availability's RulesStamp), which every change moves
# on, so it needs no shared store.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "availability": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "serene-availability",
                     "TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 5000}},
}
