"""reports is the top of the app order: it reads every app, none reads it, and it has no
tables of its own."""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
BELOW = ("sportloket", "providers", "poskantoor", "meetings", "subsidies")


def _imported_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_app_below_reports_imports_it():
    offenders = [
        f"{path.relative_to(BASE_DIR)}: {module}"
        for app in BELOW
        for path in sorted((BASE_DIR / app).rglob("*.py"))
        for module in _imported_modules(path)
        if module == "reports" or module.startswith("reports.")
    ]
    assert offenders == []


def test_the_check_sees_an_upward_import(tmp_path):
    module = tmp_path / "up.py"
    module.write_text("from reports.selectors import pos_dashboard\nimport reports.views\n")
    assert {"reports.selectors", "reports.views"} <= _imported_modules(module)


def test_reports_has_no_models_and_is_installed_last_of_ours():
    assert list(apps.get_app_config("reports").get_models()) == []
    assert not (BASE_DIR / "reports" / "migrations").exists()
    ours = [name for name in settings.INSTALLED_APPS if name in (*BELOW, "reports")]
    assert ours[-1] == "reports"
