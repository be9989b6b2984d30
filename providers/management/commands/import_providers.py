"""Import providers from a CSV or XLSX file: ``manage.py import_providers file.xlsx [--dry-run]``.

Same validation and report as the staff upload page; nothing is saved when any row is rejected.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from providers.constants import ImportOutcome
from providers.importing import import_file
from providers.services import ProviderError


class Command(BaseCommand):
    help = "Import sport providers from a CSV or XLSX file (idempotent on KvK number)."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="report only, save nothing")

    def handle(self, *args, path: Path, dry_run: bool, **options):
        if not path.is_file():
            raise CommandError(f"{path}: file not found")
        try:
            with path.open("rb") as file:
                report = import_file(file=file, filename=path.name, actor=None, dry_run=dry_run)
        except ProviderError as exc:
            raise CommandError(exc.message) from exc
        for row in report.rows:
            detail = row.reason or "; ".join(
                f"{name}: {old} -> {new}" for name, (old, new) in row.changes.items()
            )
            self.stdout.write(f"line {row.line}\t{row.outcome}\t{row.name}\t{detail}")
        summary = ", ".join(f"{outcome}: {report.count(outcome)}" for outcome in ImportOutcome)
        self.stdout.write(summary)
        if report.has_rejections:
            raise CommandError("Nothing imported: some rows were rejected.")
        self.stdout.write(
            self.style.SUCCESS("Saved." if report.applied else "Dry run: nothing saved.")
        )
