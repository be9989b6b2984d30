"""The year-plan PDF as people open it: "A cover with the office, year, status and contents;
tables that keep their header and don't split a row", read back with pypdf in page order."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from poskantoor import services
from poskantoor.selectors import year_plan_pdf_context
from sportloket.pdf import render_pdf

pytestmark = pytest.mark.django_db

SECTIONS = [
    "Kortetermijndoelstellingen",
    "Langetermijnvisie",
    "Stakeholderanalyse",
    "Samenwerkingsafspraken",
    "Geplande bijeenkomsten",
    "Doelgroepen en thema's",
    "Budget",
]
EURO = re.compile(r"€\s?(\d{1,3}(?:\.\d{3})*,\d{2})")


def pages_of(plan) -> list[str]:
    _html, pdf = render_pdf(
        "poskantoor/pdf/year_plan.html", year_plan_pdf_context(plan=plan, now=timezone.now())
    )
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def euros(text: str) -> list[Decimal]:
    return [Decimal(m.replace(".", "").replace(",", ".")) for m in EURO.findall(text)]


def plan_with(office, user, *, goals: str = "Drie bijeenkomsten", lines: int = 3):
    budget = [
        {"description": f"Post {n:02d} sportaanbod", "amount": f"{1000 + n}.{n:02d}"}
        for n in range(1, lines + 1)
    ]
    return services.year_plan_save(
        office=office,
        year=2026,
        data={"short_term_goals": goals, "long_term_vision": "Een netwerk", "budget_lines": budget},
        by=user,
    )


def test_the_cover_names_office_year_status_and_contents_once(office, policy_staff):
    plan = plan_with(office, policy_staff)
    pages = pages_of(plan)
    cover = pages[0]
    for expected in [
        "Jaarplan 2026",
        "POS-kantoor Utrecht",
        "Jaar",
        "Status",
        office.get_status_display(),
        office.get_current_step_display(),
        "Inhoud",
    ]:
        assert expected in cover, expected
    # "Page 1 is a bare cover with 'Gemaakt op…' twice": now once, on the cover only.
    assert cover.count("Gemaakt op") == 1
    positions = [cover.index(title) for title in SECTIONS]
    assert positions == sorted(positions), "the contents list the sections in order"
    # The contents give the page each section starts on.
    body = pages[1:]
    for title in SECTIONS:
        listed = re.search(rf"{re.escape(title)}\W*(\d+)", cover)
        assert listed, title
        first = next(i for i, text in enumerate(body, start=2) if title in text)
        assert int(listed.group(1)) == first, title


def test_sections_follow_in_order_and_the_total_adds_up(office, policy_staff):
    plan = plan_with(office, policy_staff, lines=5)
    text = "\n".join(pages_of(plan)[1:])
    positions = [text.index(title) for title in SECTIONS]
    assert positions == sorted(positions)
    budget = text[text.index("Begrotingspost") :]
    amounts = euros(budget)
    *rows, total = amounts
    assert len(rows) == 5
    assert sum(rows) == total == Decimal("5015.15")
    assert "€ 5.015,15" in budget
    assert "5015.15" not in budget


@pytest.mark.parametrize("filler", range(34, 58, 3))
def test_a_short_budget_is_never_split_over_two_pages(office, policy_staff, filler):
    """Goals of growing length push the budget across the page end: it moves whole."""
    goals = "\n".join(f"Doel {n}: meer mensen in beweging" for n in range(filler))
    pages = pages_of(plan_with(office, policy_staff, goals=goals, lines=6))
    holding = [i for i, text in enumerate(pages) if "Post 0" in text]
    assert len(holding) == 1, f"budget rows on pages {holding}"
    page = pages[holding[0]]
    assert "Begrotingspost" in page
    assert all(f"Post {n:02d}" in page for n in range(1, 7))
    assert "Totaal" in page


def test_a_long_budget_repeats_its_header_and_keeps_each_row_whole(office, policy_staff):
    pages = pages_of(plan_with(office, policy_staff, lines=70))
    holding = [i for i, text in enumerate(pages) if "sportaanbod" in text]
    assert len(holding) >= 2
    seen = []
    for index in holding:
        page = pages[index]
        assert "Begrotingspost" in page, f"page {index + 1} lacks the table header"
        rows = re.findall(r"Post (\d{2}) sportaanbod\s*€ ([\d.]+,\d{2})", page)
        assert len(rows) >= 2, f"page {index + 1} holds a lone row"
        for number, amount in rows:
            n = int(number)
            assert amount == f"{1000 + n:,}".replace(",", ".") + f",{n:02d}"
            seen.append(n)
    assert seen == list(range(1, 71))
    total = euros(pages[holding[-1]])[-1]
    assert total == sum(Decimal(f"{1000 + n}.{n:02d}") for n in range(1, 71))
