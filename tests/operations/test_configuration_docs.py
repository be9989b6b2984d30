"""Every environment variable the code reads is documented, in the operator docs and in
.env.example, and nothing documented is stale."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DOC = BASE_DIR / "docs" / "operations" / "configuration.md"
SOURCES = [
    *sorted((BASE_DIR / "sportloket" / "settings").glob("*.py")),
    BASE_DIR / "gunicorn.conf.py",
    BASE_DIR / "sportloket" / "celery.py",
    BASE_DIR / "sportloket" / "wsgi.py",
    BASE_DIR / "sportloket" / "asgi.py",
    BASE_DIR / "manage.py",
]
ENV_METHODS = {"str", "bool", "int", "float", "list", "tuple", "dict", "json", "url", "path"}
ENV_METHODS |= {"db", "db_url", "cache", "cache_url", "email", "email_url", "search_url"}


def _is_env(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id == "env"


def _is_os_environ(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _name(node: ast.AST, constants: dict[str, dict]) -> set[str]:
    """The variable name(s) an argument stands for: a literal, or an f-string over the keys of
    a module-level dict (``f"SPORTLOKET_RETENTION_{name.upper()}_DAYS"``)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.JoinedStr):
        literal = [v.value if isinstance(v, ast.Constant) else None for v in node.values]
        prefix, suffix = literal[0] or "", literal[-1] or ""
        assert len(constants) == 1, "which dict does the f-string iterate?"
        keys = next(iter(constants.values()))
        return {f"{prefix}{key.upper()}{suffix}" for key in keys}
    raise AssertionError(f"cannot tell which variable {ast.dump(node)} reads")


def _reads_env(call: ast.Call) -> bool:
    func = call.func
    if _is_env(func):
        return True
    if not isinstance(func, ast.Attribute):
        return False
    if _is_env(func.value) and func.attr in ENV_METHODS:
        return True
    return (func.attr in {"get", "setdefault", "pop"} and _is_os_environ(func.value)) or (
        func.attr == "getenv"
    )


def read_variables(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    constants = {
        target.id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id.startswith("_")
    }
    # Helpers that read the variable named by their first parameter (``_required(name)``):
    # their calls are reads of the name they are given.
    helpers = {
        function.name
        for function in tree.body
        if isinstance(function, ast.FunctionDef) and function.args.args
        for node in ast.walk(function)
        if isinstance(node, ast.Call)
        and node.args
        and _reads_env(node)
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id == function.args.args[0].arg
    }
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args:
            is_helper = isinstance(node.func, ast.Name) and node.func.id in helpers
            if is_helper or _reads_env(node):
                if isinstance(node.args[0], ast.Name) and not is_helper:
                    continue  # inside a helper: counted at its calls
                names |= _name(node.args[0], constants)
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            names |= _name(node.slice, constants)
    return names


def code_variables() -> set[str]:
    return set().union(*(read_variables(path) for path in SOURCES))


def compose_variables() -> set[str]:
    """Variables docker-compose.yml takes from .env for itself (``${NAME...}``)."""
    return set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (BASE_DIR / "docker-compose.yml").read_text()))


def documented_variables() -> set[str]:
    """The first column of the tables in configuration.md: | `NAME` | ..."""
    return set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", DOC.read_text(), flags=re.MULTILINE))


def env_example_variables() -> set[str]:
    """Lines of .env.example that set (or show, commented out) a variable."""
    text = (BASE_DIR / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_extractor_finds_reads_of_every_kind():
    names = code_variables()
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "DJANGO_EMAIL_URL", "REDIS_URL"} <= names
    assert {"WEB_CONCURRENCY", "DJANGO_SETTINGS_MODULE", "SENTRY_DSN"} <= names
    assert "SPORTLOKET_RETENTION_CLOSED_SUPPORT_REQUESTS_DAYS" in names
    assert "POSTGRES_PASSWORD" in compose_variables()


def test_every_variable_the_code_reads_is_documented_and_nothing_more():
    expected = code_variables() | compose_variables()
    documented = documented_variables()
    assert sorted(expected - documented) == [], "read but not documented"
    assert sorted(documented - expected) == [], "documented but read nowhere"


def test_env_example_shows_the_same_variables():
    expected = code_variables() | compose_variables()
    shown = env_example_variables()
    assert sorted(expected - shown) == [], "missing from .env.example"
    assert sorted(shown - expected) == [], "in .env.example but read nowhere"


def test_variables_required_in_production_are_marked_so_in_both_places():
    rows = re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \| [^|]* \| ([^|]*) \|", DOC.read_text(), re.M)
    required = {name for name, column in rows if column.strip().lower().startswith("yes")}
    assert {
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_EMAIL_URL",
        "DJANGO_DEFAULT_FROM_EMAIL",
        "SPORTLOKET_SITE_URL",
        "REDIS_URL",
    } <= required
    example = (BASE_DIR / ".env.example").read_text()
    for name in required:
        assert re.search(rf"^# Required[^\n]*\n(#[^\n]*\n)*#? ?{name}=", example, re.M), name


def test_compose_passes_each_required_variable_from_env():
    compose = yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())
    environment = compose["x-app"]["environment"]
    for name in [
        "DJANGO_SECRET_KEY",
        "DJANGO_ALLOWED_HOSTS",
        "DJANGO_EMAIL_URL",
        "DJANGO_DEFAULT_FROM_EMAIL",
        "SPORTLOKET_SITE_URL",
        "DATABASE_URL",
    ]:
        assert environment[name].startswith(f"${{{name}:?"), name
