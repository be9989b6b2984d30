"""The production configuration passes Django's deployment checks without a warning."""

import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def test_production_settings_pass_check_deploy_without_warnings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.production",
        "DJANGO_SECRET_KEY": "k9#Qz2!vT8@wL5$eR1^yU7&iO3*pA6(sD4)fG0_hJ-kZ+xC=vB",
        "DJANGO_ALLOWED_HOSTS": "sportloket.example.nl",
        "DJANGO_EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.nl:587",
        "DJANGO_DEFAULT_FROM_EMAIL": "Sportloket <noreply@sportloket.example.nl>",
        "SPORTLOKET_SITE_URL": "https://sportloket.example.nl",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS")
    }
    env["DJANGO_SETTINGS_MODULE"] = "sportloket.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
