"""File formats of the reports: a CSV that Dutch Excel opens, and the monitoring spreadsheet.
Both neutralise formula injection: a cell's text is never run as a formula. Numbers go through
``sportloket.formatting``: a decimal comma in CSV, real numbers in XLSX."""

from __future__ import annotations

import io
from typing import IO, Any

from django.http import HttpResponse

from sportloket.formatting import csv_cell, xlsx_cell


def csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    """A ``;``-separated CSV (Dutch Excel) with formula injection neutralised (defusedcsv);
    decimals with a comma ("5,0"), see ``csv_cell``."""
    from defusedcsv import csv

    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")  # into a buffer: one write to the response
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def write_xlsx(target: IO[bytes], *, title: str, header: list[str], rows: list[list[Any]]) -> None:
    """Text is always stored as text (never as a formula), whatever it starts with; numbers as
    numbers with a number format (``xlsx_cell``), so the sheet can add them up."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        # Lazy translations (e.g. step labels) are not text to openpyxl: xlsx_cell makes them text.
        cells = [xlsx_cell(value) for value in row]
        sheet.append([value for value, _format in cells])
        for cell, (_value, number_format) in zip(sheet[sheet.max_row], cells, strict=True):
            if isinstance(cell.value, str) and cell.data_type == "f":
                cell.data_type = "s"
            if number_format:
                cell.number_format = number_format
    sheet.freeze_panes = "A2"
    for column, width in zip(
        "ABCDEFGHIJKLMN", [9, 24, 16, 14, 34, 10, 10, 30, 10, 10, 10, 10, 10, 10], strict=False
    ):
        sheet.column_dimensions[column].width = width
    workbook.save(target)
