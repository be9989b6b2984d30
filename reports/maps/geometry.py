"""The vendored map file, read once per process."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

MAP_FILE = Path(__file__).resolve().parent / "data" / "gemeenten.json"


@dataclass(frozen=True)
class Shape:
    code: str
    name: str
    d: str
    box: tuple[float, float, float, float]


@dataclass(frozen=True)
class MapData:
    width: int
    height: int
    attribution: str
    source: str
    shapes: dict[str, Shape]
    provinces: dict[str, str]
    # A digest of the file: part of every cache key, so a rebuilt map is drawn anew.
    version: str


@cache
def map_data() -> MapData:
    text = MAP_FILE.read_text()
    raw = json.loads(text)
    return MapData(
        width=raw["width"],
        height=raw["height"],
        attribution=raw["attribution"],
        source=raw["source"],
        shapes={
            code: Shape(code, item["name"], item["d"], tuple(item["box"]))
            for code, item in raw["municipalities"].items()
        },
        provinces=raw["provinces"],
        version=hashlib.sha256(text.encode()).hexdigest()[:16],
    )
