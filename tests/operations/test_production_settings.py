"""sportloket.settings.production refuses to start rather than fail silently later."""

import json

import pytest

from .production import production_env, run

SETUP = ["-c", "import django; django.setup()"]
REQUIRED = [
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DJANGO_EMAIL_URL",
    "DJANGO_DEFAULT_FROM_EMAIL",
    "SPORTLOKET_SITE_URL",
    "REDIS_URL",
]


def refusal(result) -> str:
    assert result.returncode != 0, result.stdout + result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured:"), result.stderr
    return last


def test_with_every_documented_variable_it_starts_and_passes_check_deploy(tmp_path):
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stderr


@pytest.mark.parametrize("name", REQUIRED)
def test_without_a_required_variable_it_refuses_to_start_naming_it(tmp_path, name):
    message = refusal(run(SETUP, production_env(tmp_path, **{name: None})))
    assert name in message
    assert not [other for other in REQUIRED if other != name and f"{other} is not set" in message]


def test_an_empty_required_variable_counts_as_missing(tmp_path):
    message = refusal(run(SETUP, production_env(tmp_path, DJANGO_DEFAULT_FROM_EMAIL="  ")))
    assert "DJANGO_DEFAULT_FROM_EMAIL is not set" in message


def test_nothing_set_names_every_missing_variable_at_once(tmp_path):
    env = production_env(tmp_path, **dict.fromkeys(REQUIRED))
    message = refusal(run(SETUP, env))
    for name in REQUIRED:
        assert name in message


@pytest.mark.parametrize(
    "email",
    [
        {"DJANGO_EMAIL_URL": "consolemail://"},
        {"DJANGO_EMAIL_URL": "dummymail://"},
        {
            "DJANGO_EMAIL_URL": None,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        },
        {
            "DJANGO_EMAIL_URL": None,
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
        },
        {"DJANGO_EMAIL_URL": "filemail:///tmp/mail"},
    ],
    ids=["console-url", "dummy-url", "locmem-backend", "console-backend", "file-url"],
)
def test_a_backend_that_delivers_nothing_is_refused(tmp_path, email):
    message = refusal(run(SETUP, production_env(tmp_path, **email)))
    assert "DJANGO_EMAIL_URL/DJANGO_EMAIL_BACKEND" in message
    assert "delivers no e-mail" in message


def test_an_explicit_smtp_backend_needs_a_host(tmp_path):
    smtp = "django.core.mail.backends.smtp.EmailBackend"
    env = production_env(tmp_path, DJANGO_EMAIL_URL=None, DJANGO_EMAIL_BACKEND=smtp)
    assert "DJANGO_EMAIL_HOST is not set" in refusal(run(SETUP, env))
    started = run(SETUP, {**env, "DJANGO_EMAIL_HOST": "smtp.example.nl"})
    assert started.returncode == 0, started.stderr


@pytest.mark.parametrize(
    "url", ["sportloket.example.nl", "/relative", "ftp://sportloket.example.nl", "https://"]
)
def test_a_site_url_that_is_not_absolute_http_is_refused(tmp_path, url):
    message = refusal(run(SETUP, production_env(tmp_path, SPORTLOKET_SITE_URL=url)))
    assert "SPORTLOKET_SITE_URL must be an absolute http(s) address" in message


PRINT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "backend": s.EMAIL_BACKEND, "host": s.EMAIL_HOST, "port": s.EMAIL_PORT,
    "user": s.EMAIL_HOST_USER, "password": s.EMAIL_HOST_PASSWORD, "tls": s.EMAIL_USE_TLS,
    "from": s.DEFAULT_FROM_EMAIL, "site": s.SPORTLOKET_SITE_URL,
    "proxy_ssl": s.SECURE_PROXY_SSL_HEADER, "cache": s.CACHES["default"]["BACKEND"],
}))
"""


def settings_of(env) -> dict:
    result = run(["-c", PRINT], env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_email_url_configures_smtp_and_the_site_url_loses_its_slash(tmp_path):
    values = settings_of(
        production_env(
            tmp_path,
            DJANGO_EMAIL_URL="smtp+tls://mailer:p%40ss@smtp.example.nl:587",
            SPORTLOKET_SITE_URL="https://sportloket.example.nl/",
        )
    )
    assert values["backend"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (values["host"], values["port"], values["tls"]) == ("smtp.example.nl", 587, True)
    assert (values["user"], values["password"]) == ("mailer", "p@ss")
    assert values["from"] == "Sportloket <noreply@sportloket.example.nl>"
    assert values["site"] == "https://sportloket.example.nl"
    assert values["cache"] == "django.core.cache.backends.redis.RedisCache"


def test_x_forwarded_proto_is_honoured_only_behind_a_configured_proxy(tmp_path):
    assert settings_of(production_env(tmp_path))["proxy_ssl"] is None
    behind_proxy = settings_of(production_env(tmp_path, SPORTLOKET_TRUSTED_PROXIES="1"))
    assert behind_proxy["proxy_ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_without_redis_only_an_explicit_single_process_install_starts(tmp_path):
    env = production_env(tmp_path, REDIS_URL=None)
    assert "SPORTLOKET_SINGLE_PROCESS" in refusal(run(SETUP, env))
    values = settings_of({**env, "SPORTLOKET_SINGLE_PROCESS": "true"})
    assert values["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_gunicorn_starts_one_worker_for_a_single_process_install(tmp_path):
    code = "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])"
    single = run(
        ["-c", code],
        {**production_env(tmp_path), "SPORTLOKET_SINGLE_PROCESS": "true", "WEB_CONCURRENCY": "4"},
    )
    several = run(["-c", code], {**production_env(tmp_path), "WEB_CONCURRENCY": "4"})
    assert (single.stdout.strip(), several.stdout.strip()) == ("1", "4")


PROBE_HTTPS = """
import json, django
django.setup()
from django.middleware.security import SecurityMiddleware
from django.test import RequestFactory
request = RequestFactory().get(
    "/account/login/", headers={"X-Forwarded-Proto": "https", "Host": "sportloket.example.nl"}
)
redirect = SecurityMiddleware(lambda r: None).process_request(request)
print(json.dumps({"secure": request.is_secure(), "redirect": redirect and redirect["Location"]}))
"""


@pytest.mark.parametrize(
    ("proxies", "secure"), [("0", False), ("1", True)], ids=["no-proxy", "behind-proxy"]
)
def test_a_client_cannot_claim_https_unless_a_proxy_is_configured(tmp_path, proxies, secure):
    result = run(["-c", PROBE_HTTPS], production_env(tmp_path, SPORTLOKET_TRUSTED_PROXIES=proxies))
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["secure"] is secure
    # Taken for plain HTTP, the request is sent to HTTPS instead of being served.
    expected = None if secure else "https://sportloket.example.nl/account/login/"
    assert answer["redirect"] == expected


def test_an_unknown_log_format_is_refused(tmp_path):
    message = refusal(run(SETUP, production_env(tmp_path, DJANGO_LOG_FORMAT="xml")))
    assert 'DJANGO_LOG_FORMAT must be "json" or "text", not "xml"' in message
