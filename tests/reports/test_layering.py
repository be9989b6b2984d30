"""reports is the top of the app order: it reads every app and has no tables of its own. That no
app imports it is checked with the whole order in tests/test_layering.py."""

from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
BELOW = ("sportloket", "providers", "poskantoor", "meetings", "subsidies", "network")


def test_reports_has_no_models_and_is_installed_last_of_ours():
    assert list(apps.get_app_config("reports").get_models()) == []
    assert not (BASE_DIR / "reports" / "migrations").exists()
    ours = [name for name in settings.INSTALLED_APPS if name in (*BELOW, "reports")]
    assert ours[-1] == "reports"
