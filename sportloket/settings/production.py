"""Production: every secret comes from the environment, there is no default for any of them.

Refuses to start (ImproperlyConfigured naming each variable) rather than run in a way that
fails silently: no e-mail backend that only pretends to send, no e-mail links pointing at a
developer's machine, no rate limits kept in per-process memory while several processes serve.
The variables: docs/operations/configuration.md.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_BACKEND, EMAIL_URL, REDIS_URL, SPORTLOKET_TRUSTED_PROXIES, env

_problems: list[str] = []


def _required(name: str) -> str:
    value = env.str(name, default="").strip()
    if not value:
        _problems.append(f"{name} is not set")
    return value


DEBUG = False
SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not ALLOWED_HOSTS:
    _problems.append("DJANGO_ALLOWED_HOSTS is not set")

# --- E-mail: a backend that really delivers --------------------------------------------------
# These backends accept every message and deliver none: the outbox would mark each e-mail sent.
_NON_DELIVERING = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}
if not EMAIL_URL and not env.str("DJANGO_EMAIL_BACKEND", default=""):
    _problems.append(
        "DJANGO_EMAIL_URL is not set (e.g. smtp+tls://user:password@smtp.example.nl:587)"
    )
elif EMAIL_BACKEND in _NON_DELIVERING:
    _problems.append(
        f"DJANGO_EMAIL_URL/DJANGO_EMAIL_BACKEND: {EMAIL_BACKEND} delivers no e-mail; "
        "configure an SMTP server"
    )
elif not EMAIL_URL and not env.str("DJANGO_EMAIL_HOST", default=""):
    _problems.append("DJANGO_EMAIL_HOST is not set (required with DJANGO_EMAIL_BACKEND)")
DEFAULT_FROM_EMAIL = _required("DJANGO_DEFAULT_FROM_EMAIL")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Links in e-mails: the public address of the site, absolute.
SPORTLOKET_SITE_URL = _required("SPORTLOKET_SITE_URL").rstrip("/")
if SPORTLOKET_SITE_URL:
    _site = urlsplit(SPORTLOKET_SITE_URL)
    if _site.scheme not in {"http", "https"} or not _site.hostname:
        _problems.append(
            f"SPORTLOKET_SITE_URL must be an absolute http(s) address, "
            f"e.g. https://sportloket.gemeente.nl (got {SPORTLOKET_SITE_URL!r})"
        )

# --- Shared cache ----------------------------------------------------------------------------
# Rate limits and login throttles count in the cache: per-process memory would give every web
# process (and every machine) its own count. Only an installation that runs exactly one web
# process may do without Redis, and must say so (gunicorn.conf.py then starts one worker).
SPORTLOKET_SINGLE_PROCESS = env.bool("SPORTLOKET_SINGLE_PROCESS", default=False)
if not REDIS_URL and not SPORTLOKET_SINGLE_PROCESS:
    _problems.append(
        "REDIS_URL is not set: rate limits need a cache shared by all processes "
        "(set SPORTLOKET_SINGLE_PROCESS=true only when exactly one web process serves)"
    )

if _problems:
    raise ImproperlyConfigured(
        "Sportloket cannot start with these production settings: " + "; ".join(_problems) + "."
    )

# --- HTTPS -----------------------------------------------------------------------------------
# X-Forwarded-Proto says "https" only when a reverse proxy we trust set it: without a
# configured proxy (SPORTLOKET_TRUSTED_PROXIES=0) a client could send it itself and pass for
# HTTPS. With a proxy, the app must be reachable only through it (as for X-Forwarded-For).
if SPORTLOKET_TRUSTED_PROXIES > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# The default (file) storage stays as base.py configured it (local folder or S3).
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Two-factor login is required for every staff account (OWASP ASVS level 2).
SPORTLOKET_REQUIRE_2FA = env.bool("SPORTLOKET_REQUIRE_2FA", default=True)

# --- Logs ------------------------------------------------------------------------------------
# JSON lines on stdout for the log system, unless DJANGO_LOG_FORMAT says otherwise.
LOG_FORMAT = env.str("DJANGO_LOG_FORMAT", default="json")
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
