"""Dutch numbers everywhere: one helper (sportloket.formatting) for screens, PDFs, CSV and
XLSX. The issue: "CSV files for Dutch Excel write decimals with a comma (5,0 not 5.0) and every
screen shows "4,0 uur/week", "€ 1.250,50"."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation
from openpyxl import load_workbook

from reports.exports import csv_response, write_xlsx
from sportloket.formatting import (
    Euro,
    Measure,
    csv_cell,
    format_euro,
    format_hours_per_week,
    format_number,
    xlsx_cell,
)


@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("1250.50"), None, "1.250,50"),
        (Decimal("5.0"), None, "5,0"),
        (5.0, None, "5,0"),
        (2.25, None, "2,25"),
        (1250, None, "1.250"),
        (Decimal("4"), 1, "4,0"),
        (1234567.891, 2, "1.234.567,89"),
        (-3.5, None, "-3,5"),
    ],
)
def test_format_number_writes_a_decimal_comma_and_groups_thousands(value, places, text):
    assert format_number(value, places) == text


def test_screens_show_hours_per_week_and_euros_the_dutch_way():
    with translation.override("nl"):
        assert format_hours_per_week(Decimal("4")) == "4,0 uur/week"
        assert format_hours_per_week(2.5) == "2,5 uur/week"
    assert format_euro(Decimal("1250.5")) == "€ 1.250,50"


def test_template_filters_use_the_same_helper():
    template = Template(
        "{% load sportloket %}{{ h|hours_per_week }}|{{ a|euro }}|{{ n|nl_number:1 }}|"
        "{{ d|nl_measure }}|{{ e|nl_measure }}|{{ none|nl_number }}"
    )
    context = Context(
        {"h": Decimal("4.00"), "a": Decimal("1250.50"), "n": 12345, "d": 160.0, "e": 160.5}
    )
    with translation.override("nl"):
        assert template.render(context) == "4,0 uur/week|€ 1.250,50|12.345,0|160|160,5|"


def test_csv_cells_have_a_decimal_comma_and_no_thousands_dot():
    """ "CSV files for Dutch Excel write decimals with a comma (5,0 not 5.0)"."""
    assert csv_cell(Decimal("5.0")) == "5,0"
    assert csv_cell(5.0) == "5,0"
    assert csv_cell(Euro(Decimal("1250.5"))) == "1250,50"
    assert csv_cell(Measure(Decimal("12500"), 1)) == "12500,0"
    assert csv_cell(Measure.natural(26.0)) == "26"
    assert csv_cell(Measure.natural(26.5)) == "26,5"
    assert csv_cell(42) == 42
    assert csv_cell(None) == ""
    assert csv_cell(dt.date(2026, 3, 5)) == "05-03-2026"
    assert csv_cell("=SUM(A1)") == "=SUM(A1)"  # text is left to defusedcsv


def test_csv_response_writes_dutch_decimals():
    response = csv_response(
        "x.csv", ["Wat", "Uren", "Bedrag"], [["Training", Decimal("5.0"), Euro(Decimal("12.5"))]]
    )
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[1] == "Training;5,0;12,50"
    assert "5.0" not in lines[1]


def test_xlsx_keeps_real_numbers_with_a_number_format():
    assert xlsx_cell(Euro(Decimal("1250.50"))) == (Decimal("1250.50"), '"€" #,##0.00')
    assert xlsx_cell(Measure(4, 1)) == (4, "#,##0.0")
    buffer = io.BytesIO()
    write_xlsx(
        buffer,
        title="Monitor",
        header=["uren", "bedrag", "aantal", "tekst"],
        rows=[[Measure(Decimal("4"), 1), Euro(Decimal("1250.50")), 3, "5,0"]],
    )
    sheet = load_workbook(io.BytesIO(buffer.getvalue())).active
    hours, amount, count, text = sheet[2]
    assert (hours.data_type, hours.value, hours.number_format) == ("n", 4, "#,##0.0")
    assert (amount.data_type, float(amount.value)) == ("n", 1250.5)
    assert amount.number_format == '"€" #,##0.00'
    assert (count.data_type, count.value) == ("n", 3)
    assert (text.data_type, text.value) == ("s", "5,0")


@pytest.mark.django_db
def test_screens_with_hours_show_them_as_uur_per_week(client, pos_staff):
    """ "every screen shows "4,0 uur/week"": the core group on the office page and a
    neighbourhood sport coach's page."""
    from django.urls import reverse

    from tests.factories import StaffProfileFactory
    from tests.network.factories import CoachFactory
    from tests.poskantoor.factories import CoreGroupMemberFactory, make_office

    office = make_office(registered_on=dt.date(2026, 1, 31))
    CoreGroupMemberFactory(office=office, name="Ans", hours_per_week=Decimal("4"))
    client.force_login(pos_staff)
    page = client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    assert "<td>4,0 uur/week</td>" in page
    coach = CoachFactory(hours_per_week=Decimal("24.5"))
    client.force_login(StaffProfileFactory(policy_staff=True).user)
    page = client.get(reverse("network:coach_detail", args=[coach.pk])).content.decode()
    assert "24,5 uur/week" in page
    assert "24.5" not in page
