"""File formats of the reports: a CSV that Dutch Excel opens, and the monitoring spreadsheet.
Both neutralise formula injection: a cell's text is never run as a formula."""

from __future__ import annotations

from typing import IO, Any

from django.http import HttpResponse
from django.utils.functional import Promise


def csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    """A ``;``-separated CSV (Dutch Excel) with formula injection neutralised (defusedcsv)."""
    from defusedcsv import csv

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return response


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
