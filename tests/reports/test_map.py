"""The map of the municipalities: the vendored shapes against the municipalities table, the
staff map against its own table (every municipality its shape, with the right class), the
province filter, the cache, the CSV and the query count."""

from __future__ import annotations

import datetime as dt
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from poskantoor.constants import OfficeStatus
from poskantoor.models import PosOffice
from reports.maps import selectors as map_selectors
from reports.maps.build import build
from reports.maps.geometry import MAP_FILE, map_data
from reports.maps.svg import cached_draw, draw
from sportloket.models import Municipality
from tests.poskantoor.factories import make_office

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
SVG = "{http://www.w3.org/2000/svg}"
SOURCE = Path(settings.BASE_DIR).parent / "shared" / "data"


def shapes_of(svg: str) -> dict[str, dict]:
    """{CBS code: {"class", "href", "title", "marked"}} of every shape in the SVG."""
    root = ET.fromstring(svg)  # noqa: S314 - our own output
    found = {}
    for element in root.iter():
        code = element.get("data-code")
        if not code:
            continue
        paths = element.findall(f"{SVG}path")
        found[code] = {
            "class": paths[0].get("class"),
            "href": element.get("href", ""),
            "title": element.find(f"{SVG}title").text,
            "marked": any(p.get("class") == "mark" for p in paths),
        }
    return found


@pytest.fixture
def offices(advance):
    """Utrecht in step 3 and overdue on TODAY, Zeist in 2a (overdue), Amsterdam in step 5 on
    time, Rotterdam stopped (no current office)."""
    utrecht = advance(
        make_office("GM0344", registered_on=dt.date(2026, 2, 1)),
        ("2a", dt.date(2026, 2, 10)),
        ("2b", dt.date(2026, 3, 5)),
        today=TODAY,
    )
    zeist = make_office("GM0355", registered_on=dt.date(2026, 5, 10))
    amsterdam = advance(
        make_office("GM0363", registered_on=dt.date(2026, 5, 5)),
        ("2a", dt.date(2026, 5, 12)),
        ("2b", dt.date(2026, 5, 25)),
        today=TODAY,
    )
    rotterdam = make_office("GM0599", status=OfficeStatus.STOPPED, stopped_on=dt.date(2026, 3, 1))
    return utrecht, zeist, amsterdam, rotterdam


def test_every_active_municipality_has_its_shape_in_the_vendored_map():
    codes = set(Municipality.objects.filter(active=True).values_list("cbs_code", flat=True))
    assert len(codes) == 342
    assert set(map_data().shapes) == codes
    assert all(
        shape.d.startswith("M") and shape.d.endswith("z") for shape in map_data().shapes.values()
    )
    assert map_data().attribution == "© CBS"


def test_the_vendored_map_is_compact():
    assert MAP_FILE.stat().st_size < 80_000


@pytest.mark.skipif(not (SOURCE / "gemeenten_2023.topojson").exists(), reason="no source data")
def test_the_vendored_map_is_what_the_build_command_makes_from_the_cbs_source():
    assert build(SOURCE) == json.loads(MAP_FILE.read_text())


def test_the_staff_map_matches_its_table(offices):
    utrecht, zeist, amsterdam, rotterdam = offices
    rows = map_selectors.staff_map_rows(today=TODAY)
    svg = draw(areas=[row.area() for row in rows], title="Kaart", prefix="t")
    shapes = shapes_of(svg)
    assert len(rows) == 342
    assert set(shapes) == {row.code for row in rows}
    for row in rows:
        assert shapes[row.code]["class"] == row.state, row.code
        assert shapes[row.code]["href"] == row.href
        assert shapes[row.code]["marked"] == row.marked
        assert shapes[row.code]["title"] == row.title
    by_code = {row.code: row for row in rows}
    assert (by_code["GM0344"].state, by_code["GM0344"].marked) == ("step-3", True)
    assert by_code["GM0344"].href == f"/pos-kantoren/{utrecht.pk}/"
    assert "termijn verstreken" in by_code["GM0344"].title
    assert (by_code["GM0355"].state, by_code["GM0355"].marked) == ("step-2a", True)
    assert (by_code["GM0363"].state, by_code["GM0363"].marked) == ("step-3", False)
    assert by_code["GM0599"].state == "stopped"
    assert by_code["GM0599"].label == "Gestopt"
    assert by_code["GM0599"].href == f"/pos-kantoren/{rotterdam.pk}/"
    assert (by_code["GM0014"].state, by_code["GM0014"].label, by_code["GM0014"].href) == (
        "no-office",
        "Geen kantoor",
        "",
    )


def test_a_new_office_replaces_the_stopped_one_on_the_map(offices):
    make_office("GM0599", registered_on=dt.date(2026, 5, 20))
    row = next(r for r in map_selectors.staff_map_rows(today=TODAY) if r.code == "GM0599")
    assert row.state == "step-2a"


def test_the_province_filter_draws_that_province_zoomed(offices):
    rows = map_selectors.staff_map_rows(province="Utrecht", today=TODAY)
    assert {row.province for row in rows} == {"Utrecht"}
    assert "GM0344" in {row.code for row in rows}
    svg = draw(areas=[row.area() for row in rows], title="Kaart", prefix="t", zoom=True)
    assert set(shapes_of(svg)) == {row.code for row in rows}
    view_box = ET.fromstring(svg).get("viewBox").split()  # noqa: S314
    assert float(view_box[2]) < map_data().width / 2


def test_the_cached_map_changes_when_an_office_changes_step(offices):
    utrecht = offices[0]

    def svg():
        rows = map_selectors.staff_map_rows(today=TODAY)
        return cached_draw(areas=[row.area() for row in rows], title="Kaart", prefix="t")

    first = svg()
    assert svg() == first
    assert shapes_of(first)["GM0344"]["class"] == "step-3"
    # Any path of change (here a bulk update that sends no signal) shows on the next drawing.
    PosOffice.objects.filter(pk=utrecht.pk).update(current_step="4")
    assert shapes_of(svg())["GM0344"]["class"] == "step-4"


def test_the_map_rows_cost_two_queries_whatever_the_number_of_offices(offices):
    with CaptureQueriesContext(connection) as small:
        map_selectors.staff_map_rows(today=TODAY)
    for code in ["GM0518", "GM0014", "GM0796", "GM0202"]:
        make_office(code)
    with CaptureQueriesContext(connection) as large:
        map_selectors.staff_map_rows(today=TODAY)
    assert len(small) == len(large) == 2


def test_the_dashboards_map_is_the_standalone_map(offices, client, pos_staff):
    client.force_login(pos_staff)
    response = client.get(reverse("reports:pos_dashboard"))
    assert response.context["map_rows"] == map_selectors.staff_map_rows()


def test_the_dashboard_shows_the_map_legend_table_and_csv(offices, client, pos_staff):
    client.force_login(pos_staff)
    page = client.get(reverse("reports:pos_dashboard")).content.decode()
    assert 'data-testid="pos-map"' in page
    assert "© CBS" in page
    assert 'id="map-table"' in page
    assert page.count('<tr data-code="GM') == 342
    assert "Geen kantoor" in page
    assert "Gestopt" in page
    assert 'fill="url(#pos-map-hatch)"' in page
    response = client.get(reverse("reports:pos_dashboard_csv", args=["map"]) + "?province=Utrecht")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("CBS-code")
    assert len(lines) == 1 + Municipality.objects.filter(province="Utrecht", active=True).count()
    assert any(line.startswith("GM0344") and "ja" in line for line in lines)


def test_the_dashboard_province_filter_zooms_the_map(offices, client, pos_staff):
    client.force_login(pos_staff)
    page = client.get(reverse("reports:pos_dashboard") + "?province=Utrecht").content.decode()
    assert 'data-code="GM0344"' in page
    assert 'data-code="GM0363"' not in page  # Amsterdam, Noord-Holland
