"""publiccode.yml is valid against the core publiccode.yml standard (the schema and lists in
``tests/docs/publiccode/``; see the README there), and that schema accepts the standard's own
examples and refuses what the standard forbids."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parent.parent.parent
STANDARD = Path(__file__).resolve().parent / "publiccode"


def vocabulary(name: str) -> list[str]:
    """The controlled list of a ``*-list.rst`` of the standard: its ``- value`` lines."""
    return re.findall(r"^- ([a-z0-9-]+)$", (STANDARD / name).read_text(), flags=re.MULTILINE)


def schema() -> dict:
    loaded = json.loads((STANDARD / "publiccode.schema.json").read_text())
    loaded["$defs"]["category"] = {"enum": vocabulary("categories-list.rst")}
    loaded["$defs"]["scope"] = {"enum": vocabulary("scope-list.rst")}
    return loaded


def problems(document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(
        schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    found = [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]
    descriptions = document.get("description", {}).values()
    if not any(d.get("longDescription") for d in descriptions):
        found.append("description: longDescription is mandatory for at least one language")
    if not any(d.get("features") for d in descriptions):
        found.append("description: features are mandatory for at least one language")
    return found


def ours() -> dict:
    return yaml.safe_load((BASE_DIR / "publiccode.yml").read_text())


def test_the_vocabularies_were_read():
    assert len(vocabulary("categories-list.rst")) > 100
    assert {"sport", "local-authorities"} <= set(vocabulary("scope-list.rst"))


@pytest.mark.parametrize("example", ["publiccode.yml", "publiccode.minimal.yml"])
def test_the_standards_own_examples_are_valid(example):
    assert problems(yaml.safe_load((STANDARD / example).read_text())) == []


def test_our_publiccode_yml_is_valid():
    assert problems(ours()) == []


def test_it_states_the_eupl_and_the_files_it_names_exist():
    document = ours()
    assert document["legal"]["license"] == "EUPL-1.2"
    assert (BASE_DIR / "LICENSE").read_text().startswith("EUROPEAN UNION PUBLIC LICENCE v. 1.2")
    for description in document["description"].values():
        for screenshot in description.get("screenshots", []):
            assert (BASE_DIR / screenshot).exists(), screenshot


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("legal"), "'legal' is a required property"),
        (lambda d: d.update(developmentStatus="ready"), "'ready' is not one of"),
        (lambda d: d.update(softwareType="web"), "'web' is not one of"),
        (lambda d: d.update(categories=["sports"]), "'sports' is not one of"),
        (lambda d: d["description"]["nl"].update(shortDescription="x" * 151), "is too long"),
        (lambda d: d["maintenance"].update(type="internal"), "'contacts' is a required"),
        (lambda d: d["localisation"].pop("availableLanguages"), "'availableLanguages' is a"),
    ],
)
def test_the_schema_refuses_what_the_standard_forbids(change, expected):
    document = copy.deepcopy(ours())
    change(document)
    assert any(expected in problem for problem in problems(document)), problems(document)
