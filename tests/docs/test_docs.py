"""The documentation: the site builds with --strict and works offline, the privacy page is
the retention registry's own, the manual's screenshots come from ``make screenshots``, and
the README is the short front door."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DOCS = BASE_DIR / "docs"


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(f"scripts_{name}", BASE_DIR / "scripts" / name)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def nav_files(entries) -> list[str]:
    files = []
    for entry in entries:
        value = next(iter(entry.values())) if isinstance(entry, dict) else entry
        files += nav_files(value) if isinstance(value, list) else [value]
    return files


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may hold !ENV and python tags; the nav needs none of them."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def mkdocs_config() -> dict:
    return yaml.load((BASE_DIR / "mkdocs.yml").read_text(), Loader=_Loader)  # noqa: S506


def test_the_site_builds_with_strict_and_loads_nothing_from_elsewhere(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is a dev dependency: pip install -r dev.txt")
    site = tmp_path / "site"
    result = subprocess.run(  # noqa: S603 - our own build with fixed arguments
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=BASE_DIR,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    pages = list(site.rglob("*.html"))
    assert len(pages) > 20
    remote = re.compile(r"<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)=\"(?:https?:)?//", re.I)
    loading_remote = {
        str(page.relative_to(site)): remote.findall(page.read_text()) for page in pages
    }
    assert {page: found for page, found in loading_remote.items() if found} == {}
    assert (site / "assets" / "vendor" / "iframe-worker" / "shim.js").exists()


def test_every_page_is_in_the_nav_and_every_nav_entry_exists():
    nav = nav_files(mkdocs_config()["nav"])
    pages = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    assert sorted(set(pages) - set(nav)) == [], "pages missing from mkdocs.yml's nav"
    missing = sorted(set(nav) - set(pages))
    assert missing == [], "nav entries without a page"


def test_the_privacy_page_is_generated_from_the_retention_registry():
    script = load_script("docs_privacy.py")
    assert script.PAGE.read_text() == script.render(), (
        "docs/privacy/persoonsgegevens.md is not current: run make docs"
    )


def test_every_retention_rule_and_every_inventoried_model_is_on_the_privacy_page():
    from sportloket.retention import inventory, rules

    text = (DOCS / "privacy" / "persoonsgegevens.md").read_text()
    for rule in rules():
        assert f"| `{rule.name}` |" in text, rule.name
        if rule.period is not None:
            assert f"`SPORTLOKET_RETENTION_{rule.period.upper()}_DAYS`" in text, rule.name
    for label in inventory():
        assert f"(`{label}`)" in text, label


def test_a_rule_registered_by_an_app_reaches_the_generated_page(monkeypatch):
    from sportloket import retention

    providers = retention._contributions["providers"]
    extra = retention.Rule(
        "extra_rule_for_the_docs_test",
        "providers.Provider",
        "inactive_providers",
        lambda qs, cutoff: qs.none(),
        retention.delete_rows,
    )
    monkeypatch.setitem(
        retention._contributions,
        "providers",
        retention.Contribution((*providers.rules, extra), providers.inventory),
    )
    text = load_script("docs_privacy.py").render()
    assert "| `extra_rule_for_the_docs_test` |" in text
    assert text != (DOCS / "privacy" / "persoonsgegevens.md").read_text()


def test_every_screenshot_in_the_docs_is_made_by_make_screenshots():
    shots = {shot.name for shot in load_script("screenshots.py").SHOTS}
    shown = set()
    for page in DOCS.rglob("*.md"):
        shown |= set(re.findall(r"\]\((?:\.\./)*img/([\w-]+)\.png\)", page.read_text()))
    shown |= set(re.findall(r"docs/img/([\w-]+)\.png", (BASE_DIR / "README.md").read_text()))
    assert sorted(shown - shots) == [], "pictures that make screenshots does not make"
    assert sorted(shots - shown) == [], "screenshots no page shows"
    for name in shots:
        picture = DOCS / "img" / f"{name}.png"
        assert picture.exists(), f"{picture} missing: run make screenshots"
        assert picture.stat().st_size < 200_000, f"{picture} is too large to commit"
    assert sorted(p.stem for p in (DOCS / "img").glob("*.png")) == sorted(shots)


def test_the_readme_is_the_short_front_door():
    readme = (BASE_DIR / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    for needed in ("make run", "make test", "sportloket-demo", "EUPL-1.2", "PostgreSQL", "Redis"):
        assert needed in readme, needed
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme):
        if target.startswith("http"):
            continue
        assert (BASE_DIR / target).exists(), target


def documentation() -> list[Path]:
    return [
        BASE_DIR / "README.md",
        BASE_DIR / "CHANGELOG.md",
        BASE_DIR / "SECURITY.md",
        *DOCS.rglob("*.md"),
    ]


def test_the_documentation_is_no_development_log():
    # The two marker words of unfinished work, spelt in parts so this test is not one itself.
    markers = "|".join(rf"\b{word}\b" for word in ("TO" + "DO", "FIX" + "ME"))
    diary = re.compile(rf"\bissue[ -]?#?\d|\bissue-[a-z]|{markers}|\bbranch(?:es)? `", re.I)
    found = {
        str(path.relative_to(BASE_DIR)): diary.findall(path.read_text())
        for path in documentation()
        if path.exists()
    }
    assert {path: hits for path, hits in found.items() if hits} == {}


def test_measurements_are_on_the_benchmarks_page_only():
    """The `make bench` table (with its budget flags) belongs on docs/benchmarks.md alone."""
    bench_table = re.compile(r"OVER BUDGET|\bmedian ms\b|\bp95 ms\b|trivial view \(floor")
    found = {
        str(path.relative_to(BASE_DIR)): bench_table.findall(path.read_text())
        for path in documentation()
        if path.exists() and path != DOCS / "benchmarks.md"
    }
    assert {path: hits for path, hits in found.items() if hits} == {}
