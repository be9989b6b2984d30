"""Run the app the way production does: subprocesses with sportloket.settings.production and
nothing but the documented variables in their environment."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent
SECRET_KEY = "x7Kq2-production-test-key-9fRt5vLmZp8WcYb3NhGd4JsQe6Ua1XoTi0"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    """Every variable production requires, set to sane values; ``NAME=None`` leaves one out."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.production",
        "DJANGO_SECRET_KEY": SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": "sportloket.example.nl,127.0.0.1",
        "DJANGO_EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.nl:587",
        "DJANGO_DEFAULT_FROM_EMAIL": "Sportloket <noreply@sportloket.example.nl>",
        "SPORTLOKET_SITE_URL": "https://sportloket.example.nl",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
        "DJANGO_MEDIA_ROOT": str(tmp_path / "media"),
    }
    env.update(overrides)
    return {name: value for name, value in env.items() if value is not None}


def run(args: list[str], env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_gunicorn(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """gunicorn with the project's gunicorn.conf.py; returns once it answers on ``port``."""
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "sportloket.wsgi",
                "--config",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
            ],
            cwd=BASE_DIR,
            env={**env, "WEB_CONCURRENCY": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("gunicorn exited:\n" + log.read_text())
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    pytest.fail("gunicorn did not listen within 120 s:\n" + log.read_text())


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
