"""Charts in Chromium at 1280 px and 390 px: "Labels on the desk and POS dashboards are cut off
("commodatie…", "160 d (no"); the full label is readable at 1280 px and on a phone (wrap, or the
table carries it), and every chart keeps its table and CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from meetings.support import services
from sportloket.models import QuestionCategory
from tests.meetings.factories import SupportRequestFactory
from tests.poskantoor.factories import make_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [(1280, 900), (390, 844)]

# Per chart: every label and value text, whether it lies inside the drawing, its rendered
# height per line, and the labels of the table in the same row of the page.
MEASURE = """() => Array.from(document.querySelectorAll("svg.bar-chart")).map(svg => {
  const box = svg.viewBox.baseVal;
  const inside = el => { const b = el.getBBox();
    return b.x >= -0.5 && b.y >= -0.5 && b.x + b.width <= box.width + 0.5
      && b.y + b.height <= box.height + 0.5; };
  const bars = Array.from(svg.querySelectorAll("g")).filter(g => g.querySelector(".bar-label"));
  const row = svg.closest(".row");
  const table = row ? row.querySelector("table") : null;
  const csv = row ? Array.from(row.querySelectorAll("a")).filter(a => a.href.includes("csv")) : [];
  return {
    chart: svg.dataset.chart,
    bars: bars.map(g => {
      const label = g.querySelector(".bar-label"), value = g.querySelector(".bar-value");
      const lines = label.querySelectorAll("tspan").length;
      return {
        shown: Array.from(label.querySelectorAll("tspan")).map(t => t.textContent).join(" "),
        full: g.querySelector("title").textContent,
        value: value.textContent,
        inside: inside(label) && inside(value),
        lineHeight: label.getBoundingClientRect().height / lines,
      };
    }),
    cells: table ? Array.from(table.querySelectorAll("tbody tr"))
        .filter(tr => tr.cells[0].colSpan === 1).map(tr => {
      const td = tr.cells[0], r = td.getBoundingClientRect();
      return { text: td.textContent.trim(), right: r.right, left: r.left,
               clipped: td.scrollWidth > td.clientWidth + 1,
               fontSize: parseFloat(getComputedStyle(td).fontSize) };
    }) : null,
    csvVisible: csv.length > 0 && csv.every(a => a.getBoundingClientRect().width > 0),
    viewport: window.innerWidth,
    pageWidth: document.documentElement.scrollWidth,
  };
})"""


def check(charts, width):
    assert charts, "no charts on the page"
    assert charts[0]["pageWidth"] <= width, "the page scrolls sideways"
    for chart in charts:
        name = chart["chart"]
        assert chart["cells"] is not None, f"{name} has no table beside it"
        assert chart["csvVisible"], f"{name} has no CSV link"
        table_labels = {cell["text"] for cell in chart["cells"]}
        for bar in chart["bars"]:
            label = bar["full"].rsplit(": ", 1)[0]
            assert bar["shown"] == label, f"{name}: {bar['shown']!r} is not {label!r}"
            assert "…" not in bar["shown"] + bar["value"], f"{name}: {bar['shown']!r} cut off"
            assert bar["inside"], f"{name}: {label!r} / {bar['value']!r} outside the drawing"
            assert label in table_labels, f"{name}: the table does not carry {label!r}"
            if width >= 1280:
                assert bar["lineHeight"] >= 10, f"{name}: {label!r} too small to read"
        for cell in chart["cells"]:
            assert cell["fontSize"] >= 12, f"{name}: {cell['text']!r} too small"
            assert not cell["clipped"], f"{name}: {cell['text']!r} clipped"
            off_screen = f"{name}: {cell['text']!r} off the screen at {width} px"
            assert cell["left"] >= 0, off_screen
            assert cell["right"] <= chart["viewport"] + 0.5, off_screen


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["1280px", "390px"])
def test_pos_dashboard_labels_are_whole_at_both_widths(
    page, login, pos_staff, advance, width, height
):
    advance(
        make_office("GM0344", registered_on=dt.date(2026, 2, 1)),
        ("2a", dt.date(2026, 2, 10)),
        ("2b", dt.date(2026, 3, 5)),
        ("3", dt.date(2026, 5, 20)),
        ("4", dt.date(2026, 8, 27)),
        today=dt.date(2026, 10, 2),
    )
    make_office("GM0363", registered_on=dt.date(2026, 2, 10))
    page.set_viewport_size({"width": width, "height": height})
    login(pos_staff.username)
    page.goto(reverse("reports:pos_dashboard"))
    charts = page.evaluate(MEASURE)
    assert {c["chart"] for c in charts} == {"funnel", "lead-times"}
    lead = next(c for c in charts if c["chart"] == "lead-times")
    assert any("d (norm " in bar["value"] and bar["value"].endswith(" d)") for bar in lead["bars"])
    longest = max((bar["full"] for c in charts for bar in c["bars"]), key=len)
    assert len(longest) > 36  # a label the old chart cut off
    check(charts, width)


@pytest.mark.parametrize(("width", "height"), WIDTHS, ids=["1280px", "390px"])
def test_desk_dashboard_labels_are_whole_at_both_widths(
    page, login, policy_staff, desk, width, height
):
    category = QuestionCategory.objects.order_by("-name").filter(name__startswith="Accommodatie")
    category = max(category, key=lambda c: len(c.name))
    assert len(category.name) > 36
    SupportRequestFactory.create_batch(2, desk=desk, category=category)
    services.desk_stats_refresh(desk=desk)  # the dashboard reads the rollup
    page.set_viewport_size({"width": width, "height": height})
    login(policy_staff.username)
    page.goto(reverse("reports:desk_dashboard"))
    charts = page.evaluate(MEASURE)
    assert {"status", "category", "week", "safety"} <= {c["chart"] for c in charts}
    category_chart = next(c for c in charts if c["chart"] == "category")
    assert any(bar["shown"] == category.name for bar in category_chart["bars"])
    check(charts, width)
