"""Derive the vendored map file from the CBS boundaries (TopoJSON).

The source (``gemeenten_2023.topojson``: CBS gebiedsindelingen 2023 via PDOK, simplified with
mapshaper by the public cartomap/nl repository) is WGS84, quantised. We decode its arcs,
project them (equirectangular around 52.2° N: over a country this small the distortion is
below what a screen shows, and no projection library is needed), round every point to a whole
unit of a ``width``-wide canvas and drop the points rounding makes repeat, then write each
municipality as an SVG path with relative moves. A municipality always keeps a shape: a ring
that rounding collapses falls back to a tenth of a unit. The file records its source and the
attribution CBS asks for ("© CBS"); CBS geodata may be reused with a source citation.

Run ``python manage.py build_map <source folder>`` to regenerate it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

MUNICIPALITIES_FILE = "gemeenten_2023.topojson"
PROVINCES_FILE = "provincies_2023.topojson"
ATTRIBUTION = "© CBS"
SOURCE = (
    "CBS, Gebiedsindelingen 2023 (gemeenten en provincies) via PDOK, generalised by "
    "cartomap/nl; projected and rounded for Sportloket"
)
CENTRE_LATITUDE = 52.2
DEFAULT_WIDTH = 600

Point = tuple[float, float]


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """The arcs in longitude/latitude (delta-decoded when the topology is quantised)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
            x = y = 0
            points = []
            for dx, dy in arc:
                x, y = x + dx, y + dy
                points.append((x * sx + tx, y * sy + ty))
        else:
            points = [(float(p[0]), float(p[1])) for p in arc]
        arcs.append(points)
    return arcs


def ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A ring from its arc indexes (``~i`` is arc ``i`` reversed); shared ends appear once."""
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry: dict[str, Any]) -> list[list[list[int]]]:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


class Projection:
    """Longitude/latitude to canvas units: north up, ``width`` units wide."""

    def __init__(self, bounds: tuple[float, float, float, float], width: int) -> None:
        west, south, east, north = bounds
        self.kx = math.cos(math.radians(CENTRE_LATITUDE))
        self.west, self.north = west, north
        self.scale = width / ((east - west) * self.kx)
        self.width = width
        self.height = math.ceil((north - south) * self.scale)

    def __call__(self, point: Point) -> Point:
        lon, lat = point
        return ((lon - self.west) * self.kx * self.scale, (self.north - lat) * self.scale)


def _rounded(points: list[Point], precision: int) -> list[tuple[int, int]]:
    factor = 10**precision
    out: list[tuple[int, int]] = []
    for x, y in points:
        point = (round(x * factor), round(y * factor))
        if not out or out[-1] != point:
            out.append(point)
    if len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def _number(value: int, precision: int) -> str:
    if precision == 0:
        return str(value)
    text = f"{value / 10**precision:.{precision}f}".rstrip("0").rstrip(".")
    return text.replace("0.", ".", 1) if text.startswith(("0.", "-0.")) else text


def ring_path(points: list[Point]) -> tuple[str, list[tuple[int, int]]]:
    """One closed ring as ``M x y l dx dy … z`` in whole units, or tenths when whole units
    leave fewer than three points; "" when even tenths do."""
    for precision in (0, 1):
        rounded = _rounded(points, precision)
        if len(rounded) >= 3:
            break
    else:
        return "", []
    (x0, y0), numbers = rounded[0], []
    previous = rounded[0]
    for x, y in rounded[1:]:
        numbers += [_number(x - previous[0], precision), _number(y - previous[1], precision)]
        previous = (x, y)
    start = f"M{_number(x0, precision)} {_number(y0, precision)}"
    factor = 10**precision
    return f"{start}l{_join(numbers)}z", [(x / factor, y / factor) for x, y in rounded]


def _join(numbers: list[str]) -> str:
    """SVG path numbers need no space before a minus sign."""
    return "".join(
        number if i == 0 or number.startswith("-") else f" {number}"
        for i, number in enumerate(numbers)
    )


def shape_path(geometry: dict[str, Any], arcs, project: Projection) -> tuple[str, list[float]]:
    """A geometry's SVG path and its bounding box [x0, y0, x1, y1] in canvas units."""
    paths, xs, ys = [], [], []
    for polygon in polygons(geometry):
        for ring in polygon:
            path, points = ring_path([project(p) for p in ring_points(ring, arcs)])
            if path:
                paths.append(path)
                xs += [x for x, _y in points]
                ys += [y for _x, y in points]
    if not paths:
        return "", [0, 0, 0, 0]
    return "".join(paths), [min(xs), min(ys), max(xs), max(ys)]


def _bounds(arcs: list[list[Point]]) -> tuple[float, float, float, float]:
    lons = [lon for arc in arcs for lon, _lat in arc]
    lats = [lat for arc in arcs for _lon, lat in arc]
    return min(lons), min(lats), max(lons), max(lats)


def _features(topology: dict[str, Any]) -> list[dict[str, Any]]:
    (collection,) = topology["objects"].values()
    return collection["geometries"]


def build(source: Path, *, width: int = DEFAULT_WIDTH) -> dict[str, Any]:
    """The map file's content from the source folder (municipalities; provinces if there)."""
    topology = json.loads((source / MUNICIPALITIES_FILE).read_text())
    arcs = decode_arcs(topology)
    project = Projection(_bounds(arcs), width)
    shapes: dict[str, dict[str, Any]] = {}
    for feature in _features(topology):
        code = feature["properties"]["statcode"]
        path, box = shape_path(feature, arcs, project)
        if not path:
            raise ValueError(f"{code} has no shape left after rounding")
        shapes[code] = {
            "name": feature["properties"]["statnaam"],
            "d": path,
            "box": [round(v, 1) for v in box],
        }
    provinces: dict[str, str] = {}
    if (source / PROVINCES_FILE).exists():
        province_topology = json.loads((source / PROVINCES_FILE).read_text())
        province_arcs = decode_arcs(province_topology)
        for feature in _features(province_topology):
            provinces[feature["properties"]["statcode"]] = shape_path(
                feature, province_arcs, project
            )[0]
    return {
        "source": SOURCE,
        "attribution": ATTRIBUTION,
        "width": project.width,
        "height": project.height,
        "municipalities": dict(sorted(shapes.items())),
        "provinces": dict(sorted(provinces.items())),
    }


def write(content: dict[str, Any], target: Path) -> int:
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    target.write_text(text + "\n")
    return len(text) + 1
