"""One source of truth for dependencies: pyproject's lists and requirements/*.in agree.

``requirements/*.in`` is what ``make lock`` compiles into the pinned ``requirements/*.txt`` that
the Makefile, CI and the Docker image install; ``pyproject.toml`` declares the same ranges for
tools that read package metadata. A dependency added to one and not the other fails here.
"""

import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]


def _in_file(name: str) -> set[str]:
    lines = (ROOT / "requirements" / name).read_text().splitlines()
    return {
        str(Requirement(line.strip()))
        for line in lines
        if line.strip() and not line.lstrip().startswith(("#", "-"))
    }


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_runtime_dependencies_equal_requirements_base_in():
    declared = {str(Requirement(r)) for r in _pyproject()["dependencies"]}
    assert declared == _in_file("base.in")


def test_dev_dependencies_equal_requirements_dev_in():
    declared = {str(Requirement(r)) for r in _pyproject()["optional-dependencies"]["dev"]}
    assert declared == _in_file("dev.in")


def test_process_manager_is_a_development_tool_only():
    assert not any(Requirement(r).name == "honcho" for r in _pyproject()["dependencies"])
    pinned = (ROOT / "requirements" / "base.txt").read_text()
    assert "\nhoncho==" not in pinned


def test_every_pinned_runtime_package_is_installed_by_the_image():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements/base.txt" in dockerfile
