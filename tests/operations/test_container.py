"""The image and the compose stack keep secrets and local state out: .dockerignore, no literal
secrets in docker-compose.yml, collectstatic in the build, a non-root user."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def dockerignore_patterns() -> list[str]:
    lines = (BASE_DIR / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(path: str) -> bool:
    """Docker's rule: the last matching pattern wins; ``!`` re-includes; a folder's pattern
    covers everything below it."""
    result = False
    for pattern in dockerignore_patterns():
        negate = pattern.startswith("!")
        pattern = pattern.lstrip("!").strip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if any(fnmatch.fnmatchcase(prefix, pattern) for prefix in prefixes) or (
            pattern.startswith("**/")
            and any(fnmatch.fnmatchcase(part, pattern[3:]) for part in parts)
        ):
            result = not negate
    return result


@pytest.mark.parametrize(
    "path",
    [
        ".env",
        ".env.production",
        ".venv/bin/python",
        "db.sqlite3",
        "db.sqlite3-wal",
        "var/celery-broker/message.msg",
        "media/yearplans/plan.pdf",
        "staticfiles/staticfiles.json",
        ".git/HEAD",
        "sportloket/__pycache__/models.cpython-311.pyc",
        ".pytest_cache/v/cache/nodeids",
        "bench/results/run.json",
        "tests/conftest.py",
    ],
)
def test_dockerignore_keeps_secrets_and_local_state_out_of_the_image(path):
    assert ignored(path)


@pytest.mark.parametrize(
    "path",
    [
        "manage.py",
        "gunicorn.conf.py",
        "requirements/base.txt",
        "sportloket/settings/production.py",
        "static/vendor/bootstrap.min.css",
        "templates/base.html",
        "locale/nl/LC_MESSAGES/django.mo",
        ".env.example",
    ],
)
def test_dockerignore_keeps_what_the_app_needs(path):
    assert not ignored(path)


def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def environments(config: dict):
    for name, service in {"x-app": config["x-app"], **config["services"]}.items():
        environment = service.get("environment") or {}
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        for key, value in environment.items():
            yield name, key, str(value)


def test_compose_has_no_literal_secret():
    for service, key, value in environments(compose()):
        if re.search(r"PASSWORD|SECRET|KEY|TOKEN|DSN", key):
            assert re.fullmatch(r"\$\{[A-Z0-9_]+(:?[?-][^}]*)?\}", value), (service, key, value)
        # No credentials inside a URL either (postgres://user:password@host).
        assert not re.search(r"://[^/\s:@]+:(?!\$\{)[^@\s/]+@", value), (service, key, value)
    text = (BASE_DIR / "docker-compose.yml").read_text()
    assert "sportloket:sportloket@" not in text


def test_compose_takes_the_database_password_from_env_and_refuses_without_it():
    db = compose()["services"]["db"]["environment"]
    assert db["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert compose()["x-app"]["env_file"] == [".env"]


def test_the_image_collects_static_files_before_dropping_root_and_runs_as_a_user():
    lines = [line.strip() for line in (BASE_DIR / "Dockerfile").read_text().splitlines()]
    text = "\n".join(lines)
    collect = text.index("manage.py collectstatic")
    user = text.index("\nUSER sportloket")
    assert collect < user
    assert re.search(r"chown sportloket /app/media /app/var", text)
    assert "DJANGO_SETTINGS_MODULE=sportloket.settings.production" in text
    assert lines[-1].startswith("CMD")
    assert "USER root" not in text
