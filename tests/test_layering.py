"""App dependencies point one way: sportloket <- providers <- {poskantoor, subsidies} <- meetings
<- network <- reports <- api. An app imports only apps below it (any import, also one inside a
function)."""

import ast
import re
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
    "api": 6,
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


# --- The core names no app above it ---------------------------------------------------------------

# The core's source is every Python file and template of the ``sportloket`` package except:
# - ``settings/``: INSTALLED_APPS names the apps by design (that is where a project says which
#   apps it is made of);
# - ``urls.py``: the root URLconf mounts each app's URLs, in an order that decides overlapping
#   paths; like the settings, it is the project's wiring rather than the core;
# - ``migrations/``: history; the state-only moves of models to other apps name those apps.
# Everything else reaches the apps only through what they register or declare (retention
# rules, rate limits, home/navigation blocks and demo data on their AppConfig).
ABOVE_CORE = [app for app, level in LEVEL.items() if level > 0]
CORE_EXCLUDED = ("settings", "urls.py", "migrations")
# A reference in text: a module path, a model label, a URL namespace or a template folder
# (``providers.services``, "meetings.SupportRequest", "network:signals", "poskantoor/x.html").
APP_REFERENCE = re.compile(rf"\b({'|'.join(ABOVE_CORE)})[.:/][A-Za-z_]")


def core_files(root: Path) -> list[Path]:
    package = root / "sportloket"
    return sorted(
        path
        for path in [*package.rglob("*.py"), *package.rglob("*.html"), *package.rglob("*.txt")]
        if path.relative_to(package).parts[0] not in CORE_EXCLUDED
    )


def app_names_in(path: Path) -> list[str]:
    """Where ``path`` names an app above the core: any reference in text (also comments), and
    in Python an import of it, a name bound to it or a string that is its label."""
    text = path.read_text()
    found = [match[1] for match in APP_REFERENCE.finditer(text)]
    if path.suffix == ".py":
        for node in ast.walk(ast.parse(text, filename=str(path))):
            if isinstance(node, ast.Import):
                found += [a.name for a in node.names if a.name.split(".")[0] in ABOVE_CORE]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found += [node.module] if node.module.split(".")[0] in ABOVE_CORE else []
            elif isinstance(node, ast.Name) and node.id in ABOVE_CORE:
                found.append(node.id)
            elif isinstance(node, ast.Constant) and node.value in ABOVE_CORE:
                found.append(repr(node.value))
    else:
        found += re.findall(rf"""["']({"|".join(ABOVE_CORE)})["']""", text)
    return found


def core_app_names(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)}: {name}"
        for path in core_files(root)
        for name in app_names_in(path)
    ]


def test_the_core_names_no_app_above_it():
    assert len(core_files(BASE_DIR)) > 30
    assert core_app_names(BASE_DIR) == []


@pytest.mark.parametrize(
    ("source", "name"),
    [
        ('APP_LABELS = ("providers", "poskantoor")\n', "'providers'"),
        ('MODEL = "meetings.SupportRequest"\n', "meetings"),
        ('URL = reverse("network:signals")\n', "network"),
        ("# reads subsidies.models.Scheme\n", "subsidies"),
        ("import reports.views\n", "reports.views"),
        ("def f():\n    from poskantoor import hooks\n", "poskantoor"),
        ("def f(providers):\n    return providers\n", "providers"),
    ],
)
def test_the_core_check_sees_an_app_name(tmp_path, source, name):
    module = tmp_path / "sportloket" / "bad.py"
    module.parent.mkdir()
    module.write_text(source)
    assert f"sportloket/bad.py: {name}" in core_app_names(tmp_path)


def test_the_core_check_reads_templates_and_skips_the_projects_wiring(tmp_path):
    package = tmp_path / "sportloket"
    (package / "templates" / "sportloket").mkdir(parents=True)
    (package / "settings").mkdir()
    (package / "templates" / "sportloket" / "x.html").write_text(
        "<a href=\"{% url 'providers:list' %}\">{% include 'meetings/_home.html' %}</a>"
    )
    (package / "settings" / "base.py").write_text('INSTALLED_APPS = ["providers"]\n')
    (package / "urls.py").write_text('include("providers.urls")\n')
    (package / "views.py").write_text('"""Sport providers and error reports on the network."""\n')
    assert core_app_names(tmp_path) == [
        "sportloket/templates/sportloket/x.html: providers",
        "sportloket/templates/sportloket/x.html: meetings",
    ]
