"""Sport providers (sportaanbieders) and their social-safety basics."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.validators import MaxValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Concat, Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from localflavor.nl.models import NLZipCodeField
from phonenumber_field.modelfields import PhoneNumberField

from sportloket.models import Municipality, Sport, TargetGroup

from .constants import (
    BASIC_REQUIREMENTS,
    SAFETY_BASICS,
    ImportJobStatus,
    ImportMode,
    ImportOutcome,
    ImportPhase,
    ProviderKind,
    ProviderSource,
    ProviderStatus,
    SafetyStatus,
)

kvk_validator = RegexValidator(r"^\d{8}$", _("A KvK number has exactly 8 digits."))

# Between the fields of ``Provider.search_text``: the "unit separator" control character, which
# the search removes from what is typed.
SEARCH_SEPARATOR = "\x1f"


def _status_field(label) -> models.CharField:
    return models.CharField(
        label, max_length=12, choices=SafetyStatus.choices, default=SafetyStatus.NOT_MET
    )


def _date_field() -> models.DateField:
    return models.DateField(_("date"), null=True, blank=True)


class SafetyBasicsMixin(models.Model):
    """The social-safety basics of seed 003, each a status with the date it was last set."""

    vog_status = _status_field(SAFETY_BASICS["vog"])
    vog_date = _date_field()
    vcp_status = _status_field(SAFETY_BASICS["vcp"])
    vcp_date = _date_field()
    code_of_conduct_status = _status_field(SAFETY_BASICS["code_of_conduct"])
    code_of_conduct_date = _date_field()
    trainer_qualification_status = _status_field(SAFETY_BASICS["trainer_qualification"])
    trainer_qualification_date = _date_field()
    elearning_status = _status_field(SAFETY_BASICS["elearning"])
    elearning_date = _date_field()

    class Meta:
        abstract = True

    @property
    def is_eligible(self) -> bool:
        """Seed 003: eligible for club support when each of the four basic requirements is met
        or being worked on. ``providers.selectors.eligible_q`` is the same rule as a Q object."""
        return not self.missing_requirements

    @property
    def missing_requirements(self) -> list[str]:
        """Labels of the basic requirements that are not met and not in progress."""
        return [
            str(label)
            for prefix, label in BASIC_REQUIREMENTS.items()
            if getattr(self, f"{prefix}_status") == SafetyStatus.NOT_MET
        ]

    @property
    def safety_basics(self) -> list[tuple[str, str, str, object]]:
        """(prefix, label, status, date) for each of the basics, for display."""
        return [
            (prefix, str(label), getattr(self, f"{prefix}_status"), getattr(self, f"{prefix}_date"))
            for prefix, label in SAFETY_BASICS.items()
        ]


class Provider(SafetyBasicsMixin, models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=ProviderKind.choices)
    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(
        _("KvK number"), max_length=8, blank=True, validators=[kvk_validator]
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="providers",
    )
    # The municipality's name, copied by the database (triggers of migration
    # 0007_provider_municipality_name, on every insert, on a change of the municipality and on
    # a rename of the municipality), so that an index of this table can serve the registry's
    # sort by municipality. Never written by the application.
    municipality_name = models.CharField(
        _("municipality name"), max_length=100, editable=False, db_default=""
    )
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postcode = NLZipCodeField(_("postcode"), blank=True)
    city = models.CharField(_("place"), max_length=100, blank=True)
    sports = models.ManyToManyField(Sport, verbose_name=_("sports"), blank=True)
    target_groups = models.ManyToManyField(
        TargetGroup,
        verbose_name=_("target groups"),
        blank=True,
        help_text=_("Groups it serves or wants to serve."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    website = models.URLField(_("website"), blank=True)
    participants = models.PositiveIntegerField(
        _("participants (approx.)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(1_000_000)],
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProviderStatus.choices,
        default=ProviderStatus.PENDING,
        db_index=True,
    )
    source = models.CharField(_("source"), max_length=10, choices=ProviderSource.choices)
    privacy_consent_at = models.DateTimeField(_("privacy consent given at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the registry's text search reads: the name, e-mail address, contact person and
    # place in capitals, separated by SEARCH_SEPARATOR (which a search never contains, so a
    # match stays within one of them). Kept by the database on every write (a stored
    # generated column); never written by the application. One LIKE on one stored column
    # instead of four UPPER(…) LIKE per row: a common word's capped count read its ~3,000
    # rows in 3.3–3.9 ms, in 1.4 ms this way (PostgreSQL, 65,000 providers).
    search_text = models.GeneratedField(
        expression=Upper(
            Concat(
                "name",
                models.Value(SEARCH_SEPARATOR),
                "email",
                models.Value(SEARCH_SEPARATOR),
                "contact_name",
                models.Value(SEARCH_SEPARATOR),
                "city",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("search text"),
    )

    class Meta:
        verbose_name = _("sport provider")
        verbose_name_plural = _("sport providers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kvk_number"],
                condition=~models.Q(kvk_number=""),
                name="unique_provider_kvk_number",
                violation_error_message=_("A provider with this KvK number already exists."),
            ),
        ]
        indexes = [
            models.Index(fields=["municipality", "status", "name"]),
            # The duplicate check of the public forms (provider_find: e-mail address and name,
            # case-insensitive) and the desk's question form look providers up by e-mail;
            # iexact is UPPER(email) = UPPER(%s), which a plain index on email cannot serve.
            models.Index(Upper("email"), name="provider_email_upper_idx"),
            # The registry's sort by name and its usual filters (status, kind) read a page in
            # name order straight from an index, and count from the index alone; the trailing
            # municipality column covers the scope check (see bench/bench_providers.py).
            models.Index(fields=["name", "id"], name="provider_name_idx"),
            models.Index(
                fields=["status", "name", "id", "municipality"], name="provider_status_name_idx"
            ),
            models.Index(
                fields=["kind", "status", "name", "id", "municipality"],
                name="provider_kind_name_idx",
            ),
            # The registry's sorts by kind (then name) and by registration date, read and
            # paged by key straight from an index: without them PostgreSQL sorted every
            # provider for each page (1.3 s and 4.8 s at 600,000 providers).
            models.Index(fields=["kind", "name", "id"], name="provider_kind_sort_idx"),
            models.Index(fields=["created_at", "id"], name="provider_created_idx"),
            # The registry's capped count of a kind and/or status within the user's
            # municipalities, from the index alone (without it: 1,000 table rows read).
            models.Index(fields=["municipality", "kind", "status"], name="provider_scope_kind_idx"),
            # The registry's sort by municipality (then name), paged by key from the index.
            # The text search has a trigram index on PostgreSQL only (migration
            # 0009_provider_search_trigram_index), not declared here: SQLite has no GIN.
            models.Index(
                fields=["municipality_name", "name", "id"], name="provider_municipality_sort_idx"
            ),
            # The scheme digest's providers changed since its last sweep: a range of this
            # index instead of reading every provider (subsidies.services.digest_sweep).
            models.Index(fields=["updated_at"], name="provider_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("providers:detail", args=[self.pk])


def _import_upload_to(job: ProviderImport, filename: str) -> str:
    # Only the suffix of the user's file name reaches the storage key.
    return f"imports/{job.pk}/upload{Path(filename).suffix.lower()}"


def _import_report_to(job: ProviderImport, filename: str) -> str:
    return f"imports/{job.pk}/{filename}"


class ProviderImport(models.Model):
    """A provider import (or its dry run) run by a Celery job off the web request.

    The uploaded file stays in the default storage, so the dry run's "Import" button and a
    worker on another machine read the same file. ``municipality_ids`` is the importer's scope
    when the job was started (``None``: every municipality): the job reads and writes only
    providers of those municipalities. Progress counters are updated with every batch, in the
    batch's own transaction, so ``rows_done`` always says how far the committed work got.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    municipality_ids = models.JSONField(_("municipalities in scope"), null=True, blank=True)
    mode = models.CharField(_("mode"), max_length=10, choices=ImportMode.choices)
    checked_job = models.ForeignKey(
        "self",
        verbose_name=_("dry run"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    file = models.FileField(_("file"), upload_to=_import_upload_to, max_length=300)
    file_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ImportJobStatus.choices,
        default=ImportJobStatus.QUEUED,
        db_index=True,
    )
    phase = models.CharField(
        _("phase"), max_length=10, choices=ImportPhase.choices, default=ImportPhase.CHECK
    )
    rows_total = models.PositiveIntegerField(_("rows"), null=True, blank=True)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    rejected_count = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    report = models.FileField(_("report"), upload_to=_import_report_to, max_length=300, blank=True)
    # The worker run that owns the job: every batch commits only while this still matches.
    claim = models.UUIDField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("provider import")
        verbose_name_plural = _("provider imports")
        ordering = ["-created_at"]
        constraints = [
            # The dry run's "Import" button pressed twice starts one import.
            models.UniqueConstraint(
                fields=["checked_job"],
                condition=models.Q(checked_job__isnull=False),
                name="one_import_per_dry_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_mode_display()})"

    def get_absolute_url(self) -> str:
        return reverse("providers:import_job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in (ImportJobStatus.DONE, ImportJobStatus.FAILED)

    @property
    def applied(self) -> bool:
        """The rows were saved (an import that found no rejected row in its check)."""
        return (
            self.status == ImportJobStatus.DONE
            and self.mode == ImportMode.APPLY
            and self.phase == ImportPhase.WRITE
        )

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, self.rows_done * 100 // self.rows_total)


class ProviderImportRow(models.Model):
    """One line's outcome in a phase of an import job, written in the same transaction as the
    job's counters; unique per line so that a batch redone after a crash cannot add twice."""

    job = models.ForeignKey(ProviderImport, on_delete=models.CASCADE, related_name="rows")
    phase = models.CharField(max_length=10, choices=ImportPhase.choices)
    line = models.PositiveIntegerField(_("line"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    outcome = models.CharField(_("result"), max_length=10, choices=ImportOutcome.choices)
    reason = models.TextField(_("details"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # An import's check keeps each row's cleaned data here for its write phase.
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import row")
        verbose_name_plural = _("import rows")
        ordering = ["line"]
        constraints = [
            models.UniqueConstraint(
                fields=["job", "phase", "line"], name="one_import_row_per_line_and_phase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line}: {self.outcome}"
