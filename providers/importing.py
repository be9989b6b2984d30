"""Reading provider spreadsheets (CSV, XLSX) into validated rows for ``provider_import``.

Used by the upload page and the ``import_providers`` command alike, so both refuse the same
files with the same messages.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path
from typing import IO, Any

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from .constants import IMPORT_MAX_BYTES, IMPORT_MAX_ROWS
from .forms import IMPORT_COLUMNS, REQUIRED_COLUMNS, ProviderImportForm, ReferenceData
from .models import Provider
from .services import ImportReport, ProviderError, provider_import


def read_table(content: bytes, filename: str) -> list[list[str]]:
    """The cells of the first sheet as strings; raises ProviderError for anything that is not
    a readable spreadsheet."""
    if len(content) > IMPORT_MAX_BYTES:
        raise ProviderError(
            _("The file is too large (at most %(mb)s MB).") % {"mb": IMPORT_MAX_BYTES // 2**20}
        )
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        return _read_csv(content)
    if suffix == ".xlsx":
        return _read_xlsx(content)
    raise ProviderError(_("Upload a spreadsheet: a .csv or .xlsx file."))


def _read_csv(content: bytes) -> list[list[str]]:
    if b"\x00" in content:
        raise ProviderError(_("This file is not a CSV text file."))
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ProviderError(_("This file is not a CSV text file."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    try:
        return [
            [cell.strip() for cell in row]
            for row in csv.reader(io.StringIO(text), delimiter=delimiter)
        ]
    except csv.Error as exc:
        raise ProviderError(
            _("The CSV file could not be read: %(error)s") % {"error": exc}
        ) from exc


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ProviderError(_("This file is not a valid Excel (.xlsx) file.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append([_cell(value) for value in row])
            if len(rows) > IMPORT_MAX_ROWS + 1:
                break
        return rows
    finally:
        workbook.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return str(value).strip()


def parse_rows(table: list[list[str]]) -> list[tuple[int, dict[str, Any], str]]:
    """Validate each row with the staff form's rules: (line number, cleaned data, reason);
    a row with a reason is rejected (its data then only carries the name, for the report).
    Refuses the whole file when the header misses a required column."""
    table = [row for row in table if any(cell for cell in row)]
    if not table:
        raise ProviderError(_("The file is empty."))
    if len(table) - 1 > IMPORT_MAX_ROWS:
        raise ProviderError(
            _("The file has too many rows (at most %(max)s).") % {"max": IMPORT_MAX_ROWS}
        )
    header = [IMPORT_COLUMNS.get(cell.strip().lower(), "") for cell in table[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ProviderError(
            _("Required columns are missing: %(columns)s. The first row must name the columns.")
            % {"columns": ", ".join(missing)}
        )
    reference = ReferenceData()
    parsed = []
    for line, cells in enumerate(table[1:], start=2):
        row = {name: cells[i] if i < len(cells) else "" for i, name in enumerate(header) if name}
        kvk = "".join(row.get("kvk_number", "").split())
        instance = Provider.objects.filter(kvk_number=kvk).first() if kvk else None
        form = ProviderImportForm(row, reference=reference, instance=instance)
        if form.is_valid():
            parsed.append((line, form.cleaned_data, ""))
        else:
            parsed.append((line, {"name": row.get("name", "")[:200]}, form.error_text()))
    return parsed


def import_file(
    *, file: IO[bytes], filename: str, actor: AbstractBaseUser | None, dry_run: bool
) -> ImportReport:
    """Read, validate and (unless dry run or any row is rejected) import a spreadsheet."""
    content = file.read(IMPORT_MAX_BYTES + 1)
    table = read_table(content, filename)
    return provider_import(rows=parse_rows(table), actor=actor, dry_run=dry_run)
