"""Security: the signing key, the hosts and proxies believed, passwords and log-in limits, cookies,
HTTPS and the Content-Security-Policy."""
from __future__ import annotations

from csp.constants import NONCE

from serene.settings.base import DEBUG, SITE_URL
from serene.settings.env import env, refuse_to_start

SECRET_KEY = env.str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        refuse_to_start("SECRET_KEY is not set and DEBUG is off.",
                        "Set SECRET_KEY to a long random string (for example the output of\n"
                        "  python -c 'import secrets; print(secrets.token_urlsafe(50))')\n"
                        "or set DEBUG=true for local development.")
    SECRET_KEY = "insecure-development-key-only-used-when-DEBUG-is-on"

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if not DEBUG else ["*"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])
# The proxy addresses whose X-Forwarded-For names the client (serene/wsgi.py reads it as uvicorn reads
# the same variable for the `ws` process): the per-address limits below see the client, not the proxy.
FORWARDED_ALLOW_IPS = env.list("FORWARDED_ALLOW_IPS", default=["127.0.0.1"])

# --- Passwords and log-ins ----------------------------------------------------------------------
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed log-ins: after LOGIN_FAILURE_LIMIT failures within LOGIN_LOCK_MINUTES for one account,
# or LOGIN_FAILURE_LIMIT_PER_ADDRESS from one address, that key is locked for LOGIN_LOCK_MINUTES.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", 20)
LOGIN_LOCK_MINUTES = env.int("LOGIN_LOCK_MINUTES", 15)
# Sign-ups: at most this many new accounts an hour from one address (an IPv6 /64), then 429.
SIGNUP_LIMIT_PER_ADDRESS = env.int("SIGNUP_LIMIT_PER_ADDRESS", 10)

# --- Cookies, headers and HTTPS -----------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the small JS modules read it to call the JSON API
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# With SECURE_SSL_REDIRECT on, the probes a load balancer sends over plain http are still answered.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# --- Content-Security-Policy (django-csp) -------------------------------------------------------
# Scripts only from this site or with the page's nonce; the Razorpay Checkout hosts are added only on
# the pages that take a payment (serene.core.security).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        # Inline style attributes (bars, progress) and htmx's indicator style; no remote styles.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "media-src": ["'self'", "blob:"],
        "frame-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The hosts Razorpay Checkout loads from and talks to, added on the payment pages only (with the
# origins of RAZORPAY_CHECKOUT_JS and RAZORPAY_API_BASE, which is how the emulator gets in).
CSP_PAYMENT_HOSTS = env.list("CSP_PAYMENT_HOSTS", default=["https://checkout.razorpay.com", "https://api.razorpay.com",
                                                           "https://lumberjack.razorpay.com"])
