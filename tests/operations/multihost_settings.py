"""Settings of the several-machines test (tests/operations/test_multihost.py): production's,
driven by the documented variables, with two test-only differences. Static files come from the
finders (the test does not run collectstatic on each "host"), and the cache keys carry a prefix
per test run, so runs that share one Redis never share rate-limit counters."""

from sportloket.settings.production import *  # noqa: F403
from sportloket.settings.production import CACHES, STORAGES, env

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
CACHES["default"]["KEY_PREFIX"] = env("MULTIHOST_CACHE_PREFIX", default="")
