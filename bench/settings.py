"""Benchmarks: production-like (DEBUG off, cached templates), own database by default."""

from sportloket.settings.base import *  # noqa: F403
from sportloket.settings.base import BASE_DIR, DATABASES, env

DEBUG = False
SECRET_KEY = "bench-only-key"  # noqa: S105
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
ROOT_URLCONF = "bench.urls"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_TASK_ALWAYS_EAGER = True
if not env("DATABASE_URL", default=""):
    DATABASES["default"]["NAME"] = str(BASE_DIR / "var" / "bench.sqlite3")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
WHITENOISE_AUTOREFRESH = True  # no collectstatic needed; static files are not benchmarked
# Benchmarks measure the views, not the rate limits: one user opens a page many times.
SPORTLOKET_SEARCH_RATE = SPORTLOKET_EXPORT_RATE = SPORTLOKET_PUBLIC_FORM_RATE = 10**9
SPORTLOKET_LOGIN_RATE = 10**9
