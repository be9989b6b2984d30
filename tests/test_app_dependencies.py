"""App dependencies point one way: sportloket <- providers <- {poskantoor, subsidies} <- meetings
<- network <- reports. An app imports only apps below it (any import, also one inside a
function)."""

import ast
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
LEVEL = {
    "sportloket": 0,
    "providers": 1,
    "poskantoor": 2,
    "subsidies": 2,
    "meetings": 3,
    "network": 4,
    "reports": 5,
}


def imported_apps(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in LEVEL)
    return found


def upward_imports(app: str) -> list[str]:
    return sorted(
        f"{path.relative_to(BASE_DIR)} imports {other}"
        for path in (BASE_DIR / app).rglob("*.py")
        for other in imported_apps(path)
        if other != app and LEVEL[other] >= LEVEL[app]
    )


@pytest.mark.parametrize("app", LEVEL)
def test_app_imports_only_apps_below_it(app):
    assert upward_imports(app) == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    module = tmp_path / "sportloket" / "bad.py"
    module.parent.mkdir()
    module.write_text("def f():\n    from network.models import Signal\n    return Signal\n")
    monkeypatch.setattr(f"{__name__}.BASE_DIR", tmp_path)
    assert upward_imports("sportloket") == ["sportloket/bad.py imports network"]
