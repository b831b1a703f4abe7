"""Settings for the test suite: the real settings, plus a key and a fast password hasher.

The database still comes from DATABASE_URL, so the same suite runs on SQLite and PostgreSQL.
"""
import os

os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-not-for-production")
os.environ.setdefault("SITE_URL", "http://testserver")
os.environ.setdefault("PAYMENTS_SANDBOX", "true")
os.environ.setdefault("PAYMENTS_SANDBOX_ALLOW_IN_PRODUCTION", "true")  # the suite runs without DEBUG

from serene.settings import *  # noqa: E402,F403
from serene.settings import PASSWORD_HASHERS as PRODUCTION_PASSWORD_HASHERS  # noqa: E402,F401

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests run over plain http on localhost.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_SSL_REDIRECT = False
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
