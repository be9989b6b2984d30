"""The yearly monitoring export for the Sportakkoord II monitor (seed 003, bijlage 1): the
quantitative figures of the dashboards per municipality, in a constant number of queries."""

from __future__ import annotations

from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from poskantoor.dashboard import guideline_label, office_rows
from providers.constants import ProviderKind, ProviderStatus
from providers.models import Provider
from providers.selectors import eligible_q
from sportloket.models import Municipality
from sportloket.selectors import user_scope

from .dashboard import questions_per_municipality
from .guideline import reached_per_municipality


def monitoring_rows(*, user: AbstractBaseUser, year: int) -> tuple[list[str], list[list[Any]]]:
    scope = user_scope(user)
    municipalities = list(
        Municipality.objects.filter(scope.municipality_filter("pk"), active=True).order_by("name")
    )
    ids = [m.pk for m in municipalities]
    today = timezone.localdate()
    offices = {
        row.office.municipality_id: row
        for row in office_rows(year=year, today=today)
        if row.office.municipality_id in set(ids)
    }
    providers = {
        pk: (total, entrepreneurs, eligible)
        for pk, total, entrepreneurs, eligible in Provider.objects.filter(
            municipality_id__in=ids, status=ProviderStatus.ACTIVE
        )
        .values_list("municipality_id")
        .annotate(
            total=Count("pk"),
            entrepreneurs=Count("pk", filter=Q(kind=ProviderKind.ENTREPRENEUR)),
            eligible=Count("pk", filter=eligible_q()),
        )
        .order_by()
    }
    questions = questions_per_municipality(year=year)
    # The same source as the guideline column (the rollup for the current year), so the two
    # columns of one sheet agree.
    reached, _as_of = reached_per_municipality(year=year)
    header = [
        _("CBS code"),
        _("Municipality"),
        _("Province"),
        _("POS office status"),
        _("Current step"),
        _("Days overdue"),
        _("Entrepreneurs in the core group"),
        _("Guideline %(year)s") % {"year": year},
        _("Active providers"),
        _("Active sport entrepreneurs"),
        _("Providers meeting the social-safety basics"),
        _("Support questions received"),
        _("Questions handed over warmly"),
        _("Entrepreneurs reached with schemes"),
    ]
    rows = []
    for municipality in municipalities:
        office = offices.get(municipality.pk)
        total, entrepreneurs, eligible = providers.get(municipality.pk, (0, 0, 0))
        asked = questions.get(municipality.pk, {"questions": 0, "handed_over": 0})
        rows.append(
            [
                municipality.cbs_code,
                municipality.name,
                municipality.province,
                office.office.get_status_display() if office else _("no POS office"),
                office.step_label if office else "",
                office.days_overdue if office else "",
                office.core_entrepreneurs if office else "",
                guideline_label(office.guideline) if office else "",
                total,
                entrepreneurs,
                eligible,
                asked["questions"],
                asked["handed_over"],
                reached.get(municipality.pk, 0),
            ]
        )
    return header, rows


def write_xlsx(target: IO[bytes], *, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """Text is always stored as text (never as a formula), whatever it starts with."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Lazy translations (e.g. step labels) are not text to openpyxl: make them text.
        sheet.append([str(v) if isinstance(v, Promise) else v for v in row])
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for column, width in zip(
        "ABCDEFGHIJKLMN", [9, 24, 16, 14, 34, 10, 10, 30, 10, 10, 10, 10, 10, 10], strict=False
    ):
        sheet.column_dimensions[column].width = width
    workbook.save(target)
