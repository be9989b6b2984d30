"""Provider import: reading spreadsheets (CSV, XLSX) within hard limits, validating each row with
the staff form's rules inside the importer's scope, and applying it.

Used by the background import job (``providers.jobs``) and the ``import_providers`` command
alike, so both refuse the same files and rows with the same messages.

Limits are checked before or while parsing, never after: an XLSX is checked on its zip
directory and its members are decompressed with a counter before openpyxl opens it; a CSV is
read line by line and reading stops at the first line over the limit.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import time
import uuid
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.db.models.functions import Upper
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sportloket.models import AuditEvent
from sportloket.selectors import user_scope
from sportloket.services import audit_record, enqueue_on_commit, model_changes

from .constants import (
    IMPORT_MAX_BYTES,
    IMPORT_MAX_CELL_CHARS,
    IMPORT_MAX_COLUMNS,
    IMPORT_MAX_LINE_CHARS,
    IMPORT_MAX_MEMBER_BYTES,
    IMPORT_MAX_ROWS,
    IMPORT_MAX_UNPACKED_BYTES,
    IMPORT_MAX_ZIP_MEMBERS,
    IMPORT_MAX_ZIP_RATIO,
    ImportJobStatus,
    ImportMode,
    ImportOutcome,
    ImportPhase,
    ProviderSource,
    ProviderStatus,
)
from .forms import IMPORT_COLUMNS, REQUIRED_COLUMNS, ProviderImportForm, ReferenceData
from .models import Provider, ProviderImport, ProviderImportRow
from .services import M2M_FIELDS, SCALAR_FIELDS, ProviderError, _save_new, provider_update

# A worksheet row may carry formatted empty cells beyond the data; more raw cells than this in
# one row is refused before openpyxl builds the row in memory.
XLSX_MAX_RAW_CELLS = IMPORT_MAX_COLUMNS * 4
_READ_CHUNK = 1024 * 1024


# --- Reading files ---------------------------------------------------------------------------


def check_upload(content: bytes, filename: str) -> None:
    """The checks the web request can afford: size, type, the XLSX's zip directory and the
    header row with the required columns. The rows are read by the job."""
    header_of(read_table(content, filename, limit=1))


def read_table(
    content: bytes, filename: str, *, limit: int = IMPORT_MAX_ROWS + 1
) -> list[list[str]]:
    """The non-empty rows of the first sheet as stripped strings, header first; at most
    ``limit`` rows are read. Raises ProviderError for anything that is not a readable
    spreadsheet within the limits, and for more than IMPORT_MAX_ROWS data rows."""
    if len(content) > IMPORT_MAX_BYTES:
        raise ProviderError(
            _("The file is too large (at most %(mb)s MB).") % {"mb": IMPORT_MAX_BYTES // 2**20}
        )
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        rows = _read_csv(content, limit + 1)
    elif suffix == ".xlsx":
        rows = _read_xlsx(content, limit + 1)
    else:
        raise ProviderError(_("Upload a spreadsheet: a .csv or .xlsx file."))
    if len(rows) > limit:
        if limit > IMPORT_MAX_ROWS:
            raise ProviderError(
                _("The file has too many rows (at most %(max)s).") % {"max": IMPORT_MAX_ROWS}
            )
        rows = rows[:limit]
    return rows


def _checked_row(cells: Iterable[str], number: int) -> list[str] | None:
    """The row without trailing empty cells, or None when it is empty; refuses a row wider
    than IMPORT_MAX_COLUMNS or a cell longer than IMPORT_MAX_CELL_CHARS."""
    row = [cell.strip() for cell in cells]
    while row and not row[-1]:
        row.pop()
    if not row:
        return None
    if len(row) > IMPORT_MAX_COLUMNS:
        raise ProviderError(
            _("Row %(row)s has too many columns (at most %(max)s).")
            % {"row": number, "max": IMPORT_MAX_COLUMNS}
        )
    if any(len(cell) > IMPORT_MAX_CELL_CHARS for cell in row):
        raise ProviderError(
            _("Row %(row)s has a cell longer than %(max)s characters.")
            % {"row": number, "max": IMPORT_MAX_CELL_CHARS}
        )
    return row


def _read_csv(content: bytes, limit: int) -> list[list[str]]:
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
    first_line = text[: IMPORT_MAX_LINE_CHARS + 1].split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows: list[list[str]] = []
    reader = csv.reader(_capped_lines(text), delimiter=delimiter)
    try:
        for cells in reader:
            row = _checked_row(cells, reader.line_num)
            if row is not None:
                rows.append(row)
                if len(rows) >= limit:
                    break
    except csv.Error as exc:
        raise ProviderError(
            _("The CSV file could not be read: %(error)s") % {"error": exc}
        ) from exc
    return rows


def _capped_lines(text: str) -> Iterator[str]:
    """The physical lines, refusing one longer than a row of the allowed size can be, before
    the csv module splits it into cells."""
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > IMPORT_MAX_LINE_CHARS:
            raise ProviderError(
                _("Line %(line)s is too long: at most %(max)s columns of %(chars)s characters.")
                % {"line": number, "max": IMPORT_MAX_COLUMNS, "chars": IMPORT_MAX_CELL_CHARS}
            )
        yield line


def _not_xlsx() -> ProviderError:
    return ProviderError(_("This file is not a valid Excel (.xlsx) file."))


def _too_big_unpacked() -> ProviderError:
    return ProviderError(
        _("The Excel file unpacks to too much data (at most %(mb)s MB).")
        % {"mb": IMPORT_MAX_UNPACKED_BYTES // 2**20}
    )


def _checked_archive(content: bytes, *, scan_rows: int) -> zipfile.ZipFile:
    """Open the XLSX's zip and check what it unpacks to: first the sizes its directory
    declares, then the real sizes by decompressing each member with a counter (a forged
    directory cannot make openpyxl read more than was counted here)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _not_xlsx() from exc
    if len(members) > IMPORT_MAX_ZIP_MEMBERS:
        raise _not_xlsx()
    if sum(member.file_size for member in members) > IMPORT_MAX_UNPACKED_BYTES:
        raise _too_big_unpacked()
    total = 0
    for member in members:
        limit = min(
            member.file_size,
            IMPORT_MAX_MEMBER_BYTES.get(member.filename, IMPORT_MAX_UNPACKED_BYTES),
            max(member.compress_size, _READ_CHUNK) * IMPORT_MAX_ZIP_RATIO,
        )
        if member.file_size > limit:
            raise _too_big_unpacked()
        size = 0
        try:
            with archive.open(member) as stream:
                while chunk := stream.read(_READ_CHUNK):
                    size += len(chunk)
                    if size > limit:
                        raise _too_big_unpacked()
        except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError) as exc:
            raise _not_xlsx() from exc
        total += size
        if total > IMPORT_MAX_UNPACKED_BYTES:
            raise _too_big_unpacked()
    for member in members:
        if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
            _check_sheet_widths(archive, member.filename, scan_rows)
    return archive


def _check_sheet_widths(archive: zipfile.ZipFile, name: str, scan_rows: int) -> None:
    """Count the cells of each row (of the first ``scan_rows`` when not 0) while
    streaming the sheet's XML, so that one row of a million cells is refused before openpyxl
    materialises it."""
    cells = rows = 0
    try:
        with archive.open(name) as stream:
            # The member's size was counted above; expat refuses entity expansion attacks.
            for event, element in ElementTree.iterparse(stream, events=("start", "end")):  # noqa: S314
                tag = element.tag.rsplit("}", 1)[-1]
                if event == "start" and tag == "row":
                    cells = 0
                elif event == "start" and tag == "c":
                    cells += 1
                    if cells > XLSX_MAX_RAW_CELLS:
                        raise ProviderError(
                            _("The sheet has too many columns (at most %(max)s).")
                            % {"max": IMPORT_MAX_COLUMNS}
                        )
                elif event == "end" and tag == "row":
                    element.clear()
                    rows += 1
                    if scan_rows and rows >= scan_rows:
                        return
    except ElementTree.ParseError as exc:
        raise _not_xlsx() from exc


def _read_xlsx(content: bytes, limit: int) -> list[list[str]]:
    from openpyxl import load_workbook

    # The web request reads the header only: the width scan stops where reading stops.
    archive = _checked_archive(content, scan_rows=limit if limit <= 2 else 0)
    archive.close()
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise _not_xlsx() from exc
    try:
        sheet = workbook.worksheets[0]
        rows: list[list[str]] = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = _checked_row((_cell(value) for value in values), number)
            if row is not None:
                rows.append(row)
                if len(rows) >= limit:
                    break
        return rows
    except (ValueError, TypeError, KeyError) as exc:
        raise _not_xlsx() from exc
    finally:
        workbook.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if hasattr(value, "date") and callable(value.date):
        value = value.date()
    return str(value)


def header_of(table: list[list[str]]) -> list[str]:
    """The field name of each column ("" for a column we do not know); refuses a file without
    rows or without the required columns."""
    if not table:
        raise ProviderError(_("The file is empty."))
    header = [IMPORT_COLUMNS.get(cell.strip().lower(), "") for cell in table[0]]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ProviderError(
            _("Required columns are missing: %(columns)s. The first row must name the columns.")
            % {"columns": ", ".join(missing)}
        )
    return header


# --- Rows ------------------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    name: str
    outcome: str
    reason: str = ""
    changes: dict[str, list[str]] = field(default_factory=dict)
    # The row's cleaned data once it passed the check (what the write phase saves).
    data: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class ImportReport:
    rows: list[ImportRow]
    applied: bool

    def count(self, outcome: str) -> int:
        return sum(1 for row in self.rows if row.outcome == outcome)

    @property
    def has_rejections(self) -> bool:
        return any(row.outcome == ImportOutcome.REJECTED for row in self.rows)


OUTSIDE_SCOPE = gettext_lazy(
    "This provider is already registered with another municipality; ask that municipality's desk."
)


class Importer:
    """Saves checked rows within the importer's scope, set-based (see ``write``).

    ``municipality_ids`` is the set of municipalities the importer may read and write
    providers of; ``None`` means every municipality (POS staff, administrators, the command).
    """

    def __init__(self, *, municipality_ids: Iterable[int] | None, actor: AbstractBaseUser | None):
        self.actor = actor
        self.municipality_ids = None if municipality_ids is None else frozenset(municipality_ids)
        self.reference = ReferenceData(allowed_municipality_ids=self.municipality_ids)

    def in_scope(self, municipality_id: int) -> bool:
        return self.municipality_ids is None or municipality_id in self.municipality_ids

    def write(self, results: list[ImportRow]) -> None:
        """Save rows that passed the check (their ``data``), setting each one's outcome; call
        inside an atomic block. The known providers are looked up again, so a provider
        registered since the check is updated rather than duplicated.

        Idempotent on the KvK number (or e-mail address and name): a row written twice
        updates the provider the first write created. Set-based, because a file has up to
        20,000 rows: the known providers come from two queries per batch; new providers,
        their links and audit events are inserted in bulk; only updates go one by one
        (through ``provider_update``, which locks the row and audits the changes).
        """
        known = self._known([(result.line, result.data) for result in results])
        new, updates = [], []
        for result in results:
            existing = known.get(result.line)
            result.changes = {}
            if existing is not None and not self.in_scope(existing.municipality_id):
                result.outcome, result.reason = ImportOutcome.REJECTED, str(OUTSIDE_SCOPE)
            elif existing is None:
                result.outcome = ImportOutcome.CREATED
                new.append((result, result.data))
            else:
                data = {k: v for k, v in result.data.items() if v not in ("", None, [])}
                if _changes(existing, data):
                    result.outcome = ImportOutcome.UPDATED
                    updates.append((result, existing, data))
                else:
                    result.outcome = ImportOutcome.UNCHANGED
        self._create(new)
        for result, provider, data in updates:
            self._update(result, provider, data)

    def _known(self, rows: list[tuple[int, dict[str, str]]]) -> dict[int, Provider]:
        """Line -> the provider we already know (same rule as ``provider_find``: the KvK
        number, else e-mail address and name; the oldest match), in two queries."""
        kvks = {_kvk(row) for _, row in rows} - {""}
        by_kvk = {
            p.kvk_number: p
            for p in Provider.objects.filter(kvk_number__in=kvks)
            .select_related("municipality")
            .prefetch_related("sports", "target_groups")
        }
        wanted = {
            row.get("email", "").strip().upper()
            for _, row in rows
            if _kvk(row) not in by_kvk and row.get("email", "").strip() and row.get("name")
        }
        by_email_name: dict[tuple[str, str], Provider] = {}
        if wanted:
            candidates = (
                Provider.objects.annotate(email_upper=Upper("email"))
                .filter(email_upper__in=wanted)
                .select_related("municipality")
                .prefetch_related("sports", "target_groups")
                .order_by("pk")
            )
            for p in candidates:
                by_email_name.setdefault((p.email.strip().upper(), p.name.strip().upper()), p)
        known = {}
        for line, row in rows:
            key = (row.get("email", "").strip().upper(), row.get("name", "").strip().upper())
            found = by_kvk.get(_kvk(row)) or by_email_name.get(key)
            if found is not None:
                known[line] = found
        return known

    def _create(self, new: list[tuple[ImportRow, dict[str, Any]]]) -> None:
        if not new:
            return
        actor = self.actor if self.actor is not None and self.actor.is_authenticated else None
        now = timezone.now()
        providers = []
        for _result, data in new:
            scalars = {k: v for k, v in data.items() if k in SCALAR_FIELDS}
            providers.append(
                Provider(
                    source=ProviderSource.IMPORT,
                    status=ProviderStatus.ACTIVE,
                    confirmed_at=now,
                    created_by=actor,
                    **scalars,
                )
            )
        try:
            with transaction.atomic():
                Provider.objects.bulk_create(providers)
        except IntegrityError:
            # A KvK number registered meanwhile: row by row, so only that row is rejected.
            for result, data in new:
                self._create_one(result, data)
            return
        sport_links, group_links = [], []
        for provider, (_result, data) in zip(providers, new, strict=True):
            sport_links += [
                Provider.sports.through(provider_id=provider.pk, sport_id=sport.pk)
                for sport in data.get("sports") or []
            ]
            group_links += [
                Provider.target_groups.through(provider_id=provider.pk, targetgroup_id=group.pk)
                for group in data.get("target_groups") or []
            ]
        Provider.sports.through.objects.bulk_create(sport_links)
        Provider.target_groups.through.objects.bulk_create(group_links)
        content_type = ContentType.objects.get_for_model(Provider)
        summary = str(_("Imported."))
        AuditEvent.objects.bulk_create(
            AuditEvent(
                content_type=content_type,
                object_id=str(provider.pk),
                actor=actor,
                action="import",
                changes={},
                summary=summary,
            )
            for provider in providers
        )

    def _create_one(self, result: ImportRow, data: dict[str, Any]) -> None:
        try:
            with transaction.atomic():
                provider = _save_new(
                    data=data,
                    source=ProviderSource.IMPORT,
                    status=ProviderStatus.ACTIVE,
                    actor=self.actor,
                )
                audit_record(
                    subject=provider, actor=self.actor, action="import", summary=_("Imported.")
                )
        except ProviderError as exc:
            result.outcome, result.reason = ImportOutcome.REJECTED, exc.message

    def _update(self, result: ImportRow, provider: Provider, data: dict[str, Any]) -> None:
        try:
            with transaction.atomic():
                result.changes = provider_update(
                    provider=provider, data=data, actor=self.actor, action="import"
                )
        except ProviderError as exc:
            result.outcome, result.reason = ImportOutcome.REJECTED, exc.message
            return
        if not result.changes:
            result.outcome = ImportOutcome.UNCHANGED

    @staticmethod
    def dump(data: dict[str, Any]) -> dict[str, Any]:
        """Cleaned data as JSON, kept between the check and the write phase of a job."""
        stored: dict[str, Any] = {}
        for name, value in data.items():
            if name in M2M_FIELDS:
                stored[name] = [obj.pk for obj in value]
            elif hasattr(value, "pk"):
                stored[name] = value.pk
            elif value is None or isinstance(value, str | int):
                stored[name] = value
            else:
                stored[name] = str(value)  # dates (ISO), phone numbers (E.164)
        return stored

    def load(self, stored: dict[str, Any]) -> dict[str, Any]:
        """The inverse of ``dump``; KeyError when a municipality, sport or target group is
        no longer there."""
        data: dict[str, Any] = {}
        for name, value in stored.items():
            if name in M2M_FIELDS:
                data[name] = [self.reference.by_pk[name][pk] for pk in value]
            elif name == "municipality":
                data[name] = self.reference.by_pk[name][value]
            else:
                data[name] = Provider._meta.get_field(name).to_python(value)
        return data


class ImportTable(Importer):
    """A read table with what every batch of it needs besides the scope: the column
    mapping, a row form class and the lines that repeat an earlier line's provider."""

    def __init__(
        self,
        table: list[list[str]],
        *,
        municipality_ids: Iterable[int] | None,
        actor: AbstractBaseUser | None,
    ):
        super().__init__(municipality_ids=municipality_ids, actor=actor)
        self.header = header_of(table)
        self.lines = table[1:]
        self.form_class = ProviderImportForm.for_columns(
            [name for name in self.header if name], self.reference
        )
        self.repeats = self._repeats()

    def __len__(self) -> int:
        return len(self.lines)

    def row(self, index: int) -> dict[str, str]:
        cells = self.lines[index]
        return {
            name: cells[i] if i < len(cells) else "" for i, name in enumerate(self.header) if name
        }

    def _repeats(self) -> dict[int, int]:
        """Line -> the earlier line with the same KvK number (or e-mail address and name)."""
        first: dict[str, int] = {}
        repeats: dict[int, int] = {}
        for index in range(len(self.lines)):
            row = self.row(index)
            kvk = "".join(row.get("kvk_number", "").split())
            key = kvk or f"{row.get('email', '').strip().lower()}|{row.get('name', '').lower()}"
            line = index + 2
            if key in first:
                repeats[line] = first[key]
            else:
                first[key] = line
        return repeats

    def apply(
        self, start: int, stop: int, *, write: bool, deadline: float | None = None
    ) -> list[ImportRow]:
        """Check rows ``start``..``stop`` (fewer when ``deadline``, a ``time.monotonic()``
        value, passes first) with the row form and, when ``write``, save those that passed
        (see ``write``); call inside an atomic block."""
        rows = [(index + 2, self.row(index)) for index in range(start, stop)]
        known = self._known(rows)
        results: list[ImportRow] = []
        for line, row in rows:
            results.append(self._check(line, row, known.get(line)))
            if deadline is not None and time.monotonic() >= deadline:
                break
        if write:
            self.write([r for r in results if r.outcome != ImportOutcome.REJECTED])
        return results

    def _check(self, line: int, row: dict[str, str], existing: Provider | None) -> ImportRow:
        """The row's outcome if it were written now, with its cleaned data; writes nothing."""
        name = row.get("name", "")[:200]

        def rejected(reason: str) -> ImportRow:
            return ImportRow(line=line, name=name, outcome=ImportOutcome.REJECTED, reason=reason)

        if line in self.repeats:
            return rejected(_("Same provider as line %(line)s.") % {"line": self.repeats[line]})
        if existing is not None and not self.in_scope(existing.municipality_id):
            # Nothing of the other municipality's provider reaches the report.
            return rejected(str(OUTSIDE_SCOPE))
        # The form copies the row onto its instance: give it a copy, keep the stored state.
        form = self.form_class(
            row, reference=self.reference, instance=copy.copy(existing) if existing else None
        )
        if not form.is_valid():
            return rejected(form.error_text())
        data = form.cleaned_data
        if existing is None:
            return ImportRow(line=line, name=data["name"], outcome=ImportOutcome.CREATED, data=data)
        # An import never wipes what staff know: empty cells leave a field as it is.
        kept = {k: v for k, v in data.items() if v not in ("", None, [])}
        changes = _changes(existing, kept)
        outcome = ImportOutcome.UPDATED if changes else ImportOutcome.UNCHANGED
        return ImportRow(line=line, name=data["name"], outcome=outcome, changes=changes, data=data)


def _changes(provider: Provider, data: dict[str, Any]) -> dict[str, list[str]]:
    """What writing ``data`` would change (the many-to-many fields from the prefetch)."""
    return model_changes(provider, data, [f for f in SCALAR_FIELDS + M2M_FIELDS if f in data])


def _kvk(row: dict[str, str]) -> str:
    return "".join(row.get("kvk_number", "").split())


def scope_of(actor: AbstractBaseUser | None) -> frozenset[int] | None:
    """The municipalities an importer may read and write; ``None`` (every one) for the
    operator's command, which runs without a user."""
    if actor is None:
        return None
    return user_scope(actor).municipality_ids


class _DryRun(Exception):
    """Raised inside the import transaction to roll it back after a dry run or a rejection."""


def import_file(
    *, file: IO[bytes], filename: str, actor: AbstractBaseUser | None, dry_run: bool
) -> ImportReport:
    """Read, validate and (unless dry run or any row is rejected) import a spreadsheet in one
    transaction: all or nothing. For the command line; the web runs ``ProviderImport`` jobs."""
    table = ImportTable(
        read_table(file.read(IMPORT_MAX_BYTES + 1), filename),
        municipality_ids=scope_of(actor),
        actor=actor,
    )
    report = ImportReport(rows=[], applied=False)
    try:
        with transaction.atomic():
            for start in range(0, len(table), IMPORT_BATCH_ROWS):
                stop = min(start + IMPORT_BATCH_ROWS, len(table))
                report.rows.extend(table.apply(start, stop, write=not dry_run))
            if dry_run or report.has_rejections:
                raise _DryRun
            report.applied = True
    except _DryRun:
        report.applied = False
    return report


# --- Jobs: the web's import, run by Celery in time-boxed chunks --------------------------------

# A batch of rows commits together with the job's progress counters: at most this many rows,
# and no longer than this many seconds, so the progress page moves at least every 2 s.
IMPORT_BATCH_ROWS = 200
IMPORT_BATCH_SECONDS = 0.5
# One task run works this long, then queues the rest: far inside CELERY_TASK_TIME_LIMIT.
IMPORT_CHUNK_SECONDS = 20.0
# A queued job nobody picked up (broker down when it was queued) is queued again after this.
IMPORT_REQUEUE_AFTER = dt.timedelta(minutes=2)
REPORT_HEADER = (
    gettext_lazy("line"),
    gettext_lazy("name"),
    gettext_lazy("result"),
    gettext_lazy("details"),
)


def _scope_json(ids: frozenset[int] | None) -> list[int] | None:
    return None if ids is None else sorted(ids)


def _queue(job: ProviderImport) -> None:
    from .tasks import provider_import_run

    enqueue_on_commit(provider_import_run, str(job.pk))


@transaction.atomic
def import_job_start(*, user: AbstractBaseUser, upload: File, mode: str) -> ProviderImport:
    """Keep the uploaded file in the default storage and queue its job (after commit). The
    file must have passed ``check_upload``; the job reads the rows."""
    job = ProviderImport(
        created_by=user,
        municipality_ids=_scope_json(scope_of(user)),
        mode=mode,
        file_name=Path(upload.name or "").name[:255],
    )
    job.file.save(upload.name or "upload", upload, save=False)
    job.save()
    _queue(job)
    return job


def import_job_apply(*, job: ProviderImport, user: AbstractBaseUser) -> ProviderImport:
    """Start the import of a finished dry run from its stored file (no new upload). Pressing
    the button twice starts one import: the constraint ``one_import_per_dry_run`` decides."""
    if job.mode != ImportMode.CHECK or job.status != ImportJobStatus.DONE:
        raise ProviderError(_("Only a finished dry run can be imported."))
    if job.rejected_count:
        raise ProviderError(_("Nothing was imported: correct the rejected rows and try again."))
    existing = ProviderImport.objects.filter(checked_job=job).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            applied = ProviderImport.objects.create(
                created_by=user,
                municipality_ids=_scope_json(scope_of(user)),
                mode=ImportMode.APPLY,
                checked_job=job,
                file=job.file.name,
                file_name=job.file_name,
            )
            _queue(applied)
    except IntegrityError:
        return ProviderImport.objects.get(checked_job=job)
    return applied


def import_jobs_requeue() -> list[str]:
    """Periodic: queue again the jobs whose message was lost (broker down when queued) and
    the running jobs whose worker died. Safe to run twice: a job runs only after its claim."""
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    cutoff = now - IMPORT_REQUEUE_AFTER
    waiting = Q(status=ImportJobStatus.QUEUED) & (
        Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    )
    abandoned = Q(status=ImportJobStatus.RUNNING, heartbeat_at__lt=stale)
    ids = [
        str(pk)
        for pk in ProviderImport.objects.filter(waiting | abandoned).values_list("pk", flat=True)
    ]
    return ids


class _Rollback(Exception):
    """Ends a batch's transaction without saving (the run lost its claim)."""


def import_job_run(*, job_id: str, chunk_seconds: float = IMPORT_CHUNK_SECONDS) -> bool:
    """Work on a job for about ``chunk_seconds``; True when there is more to do (the caller
    queues the next run).

    Idempotent and safe to run twice or concurrently: a run first claims the job with a
    conditional UPDATE (queued -> running, or running with a heartbeat older than the task
    time limit: its worker died); a second delivery finds nothing to claim. Every batch of
    rows commits in one transaction with ``rows_done``, guarded by the claim and the
    expected ``rows_done``: a run that lost its claim saves nothing, and a reclaimed job
    resumes after the last committed batch, so no row is applied twice.
    """
    claim = uuid.uuid4()
    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT)
    claimable = Q(status=ImportJobStatus.QUEUED) | Q(
        status=ImportJobStatus.RUNNING, heartbeat_at__lt=stale
    )
    claimed = ProviderImport.objects.filter(claimable, pk=job_id).update(
        status=ImportJobStatus.RUNNING, claim=claim, heartbeat_at=now
    )
    if not claimed:
        return False
    ProviderImport.objects.filter(pk=job_id, started_at__isnull=True).update(started_at=now)
    job = ProviderImport.objects.select_related("created_by").get(pk=job_id)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            return _run_claimed(job, claim, chunk_seconds)
    except Exception:
        # A bug or a lost database must not leave the job "running" to be retried forever;
        # batches committed so far stay committed and are in the rows of the job.
        _finish(
            ProviderImport.objects.filter(pk=job.pk, claim=claim),
            status=ImportJobStatus.FAILED,
            error=_("The import stopped because of an unexpected error."),
        )
        raise


def _run_claimed(job: ProviderImport, claim: uuid.UUID, chunk_seconds: float) -> bool:
    mine = ProviderImport.objects.filter(pk=job.pk, claim=claim)
    if job.phase == ImportPhase.WRITE:
        # The rows passed the check; their cleaned data was kept with the check's outcomes.
        importer = Importer(municipality_ids=job.municipality_ids, actor=job.created_by)
        deadline = time.monotonic() + chunk_seconds
        while job.rows_done < (job.rows_total or 0):
            if not _write_batch(job, importer, claim):
                return False
            if job.rows_done < job.rows_total and time.monotonic() >= deadline:
                return bool(mine.update(status=ImportJobStatus.QUEUED, claim=None))
        _finish_with_report(job, mine)
        return False
    try:
        with job.file.open("rb") as file:
            content = file.read(IMPORT_MAX_BYTES + 1)
        table = ImportTable(
            read_table(content, job.file.name),
            municipality_ids=job.municipality_ids,
            actor=job.created_by,
        )
    except ProviderError as exc:
        _finish(mine, status=ImportJobStatus.FAILED, error=exc.message)
        return False
    except OSError:
        _finish(
            mine,
            status=ImportJobStatus.FAILED,
            error=_("The uploaded file is no longer available."),
        )
        return False
    if job.rows_total != len(table):
        mine.update(rows_total=len(table))
        job.rows_total = len(table)
    deadline = time.monotonic() + chunk_seconds
    while job.rows_done < len(table):
        if not _check_batch(job, table, claim):
            return False
        if job.rows_done < len(table) and time.monotonic() >= deadline:
            return bool(mine.update(status=ImportJobStatus.QUEUED, claim=None))
    if job.mode == ImportMode.APPLY and job.phase == ImportPhase.CHECK and not job.rejected_count:
        # Every row passed the check: save them, from the first row again.
        return bool(
            mine.update(
                phase=ImportPhase.WRITE,
                rows_done=0,
                created_count=0,
                updated_count=0,
                unchanged_count=0,
                status=ImportJobStatus.QUEUED,
                claim=None,
            )
        )
    _finish_with_report(job, mine)
    return False


def _finish_with_report(job: ProviderImport, mine) -> None:
    report = _report_csv(job)
    name = f"imports/{job.pk}/rapport-{job.phase}.csv"
    default_storage.delete(name)
    name = default_storage.save(name, ContentFile(report))
    _finish(mine, status=ImportJobStatus.DONE, report=name)


def _finish(mine, **fields) -> None:
    mine.update(finished_at=timezone.now(), claim=None, **fields)


def _check_batch(job: ProviderImport, table: ImportTable, claim: uuid.UUID) -> bool:
    """Check the next batch of rows (nothing is written) and record the outcomes with the
    progress counters; False when the claim was lost."""
    results = table.apply(
        job.rows_done,
        min(job.rows_done + IMPORT_BATCH_ROWS, len(table)),
        write=False,
        deadline=time.monotonic() + IMPORT_BATCH_SECONDS,
    )
    with transaction.atomic():
        return _record(job, claim, results)


def _write_batch(job: ProviderImport, importer: Importer, claim: uuid.UUID) -> bool:
    """Save the next batch of checked rows with the progress counters in one transaction;
    False when the claim was lost (nothing saved then)."""
    first = job.rows_done + 2
    stored = job.rows.filter(
        phase=ImportPhase.CHECK, line__gte=first, line__lt=first + IMPORT_BATCH_ROWS
    ).order_by("line")
    results = []
    for line, name, data in stored.values_list("line", "name", "data"):
        result = ImportRow(line=line, name=name, outcome=ImportOutcome.CREATED)
        try:
            result.data = importer.load(data)
        except KeyError:
            result.outcome = ImportOutcome.REJECTED
            result.reason = _(
                "A municipality, sport or target group of this row is no longer available."
            )
        results.append(result)
    if not results:
        # Every line has its check row; none left means the job's rows were removed.
        raise RuntimeError(f"import job {job.pk}: no checked rows from line {first}")
    try:
        with transaction.atomic():
            importer.write([r for r in results if r.outcome != ImportOutcome.REJECTED])
            # The rows' data was only needed to write them: keep no copy of it.
            stored.update(data={})
            if not _record(job, claim, results):
                raise _Rollback
    except _Rollback:
        return False
    return True


def _record(job: ProviderImport, claim: uuid.UUID, results: list[ImportRow]) -> bool:
    counts = Counter(row.outcome for row in results)
    fields = {
        "created_count": ImportOutcome.CREATED,
        "updated_count": ImportOutcome.UPDATED,
        "unchanged_count": ImportOutcome.UNCHANGED,
        "rejected_count": ImportOutcome.REJECTED,
    }
    updated = ProviderImport.objects.filter(
        pk=job.pk, claim=claim, phase=job.phase, rows_done=job.rows_done
    ).update(
        rows_done=F("rows_done") + len(results),
        heartbeat_at=timezone.now(),
        **{name: F(name) + counts[outcome] for name, outcome in fields.items()},
    )
    if not updated:
        return False
    keep_data = job.mode == ImportMode.APPLY and job.phase == ImportPhase.CHECK
    importer_dump = Importer.dump
    ProviderImportRow.objects.bulk_create(
        ProviderImportRow(
            job=job,
            phase=job.phase,
            line=row.line,
            name=row.name[:200],
            outcome=row.outcome,
            reason=row.reason,
            changes=row.changes,
            # Kept for the write phase of an import (cleared when the job ends).
            data=importer_dump(row.data) if keep_data and row.data else {},
        )
        for row in results
    )
    job.rows_done += len(results)
    for name, outcome in fields.items():
        setattr(job, name, getattr(job, name) + counts[outcome])
    return True


def _report_csv(job: ProviderImport) -> bytes:
    from defusedcsv import csv as safe_csv

    buffer = io.StringIO()
    writer = safe_csv.writer(buffer, delimiter=";")
    writer.writerow([str(label) for label in REPORT_HEADER])
    labels = {value: str(label) for value, label in ImportOutcome.choices}
    rows = job.rows.filter(phase=job.phase).order_by("line")
    fields = ("line", "name", "outcome", "reason", "changes")
    for line, name, outcome, reason, changes in rows.values_list(*fields).iterator(2000):
        details = reason or "; ".join(
            f"{field}: {old or '—'} → {new or '—'}" for field, (old, new) in changes.items()
        )
        writer.writerow([line, name, labels[outcome], details])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# --- Jobs: reads --------------------------------------------------------------------------------


def import_job_visible(job: ProviderImport, user: AbstractBaseUser) -> bool:
    """The importer, and colleagues whose scope covers every municipality of the job's scope
    (POS staff and administrators see every job)."""
    scope = user_scope(user)
    if scope.role is None:
        return False
    if scope.sees_everything or job.created_by_id == user.pk:
        return True
    if not job.municipality_ids:
        return False
    return set(job.municipality_ids) <= scope.municipality_ids


def import_job_get(*, user: AbstractBaseUser, pk: uuid.UUID) -> ProviderImport:
    """A job the user may see; any other is a 404 (it does not exist for them)."""
    job = ProviderImport.objects.filter(pk=pk).first()
    if job is None or not import_job_visible(job, user):
        raise Http404
    return job


def import_job_rows(job: ProviderImport, *, limit: int = 500) -> list[ProviderImportRow]:
    """The lines worth reading on the page: rejected ones while it runs, and every line that
    is not unchanged at the end (the downloadable report has all of them)."""
    rows = job.rows.filter(phase=job.phase).exclude(outcome=ImportOutcome.UNCHANGED)
    if not job.finished:
        rows = rows.filter(outcome=ImportOutcome.REJECTED)
    return list(rows.order_by("line")[:limit])
