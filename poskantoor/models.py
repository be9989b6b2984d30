"""POS offices (POS-kantoren) and their founding process (seed 000 §6, design §2)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from providers.models import Provider
from sportloket.constants import ThemeKind
from sportloket.models import Municipality, OnceOnlyNotice, TargetGroup, Theme

from .constants import (
    OPEN_STATUSES,
    STEP_SEQUENCE,
    DeadlineUnit,
    Decision,
    MemberKind,
    Moment,
    NoticeKind,
    OfficeStatus,
    Party,
    SessionTopic,
    StepCode,
    VersionStatus,
)


class ProcessVersion(models.Model):
    """One version of the founding process definition (seed 000: "Deze handreiking is dan ook
    een levend document, waarin we regelmatig aanpassingen maken").

    Holds the step rules (``steps``), the thresholds of the basic conditions (§6.1) and the
    norms of the guideline (§4). A draft is edited in the admin; a published version is never
    changed again (the admin and ``services.process_version_publish`` enforce it), because
    offices keep the version they started under.
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    note = models.TextField(_("what changed"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    professional_hours_per_week = models.DecimalField(
        _("professional hours per week (municipality/sportbedrijf)"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    commitment_years = models.PositiveSmallIntegerField(
        _("commitment in years"), validators=[MinValueValidator(1)]
    )
    entrepreneurs = models.PositiveSmallIntegerField(
        _("number of enterprises"), validators=[MinValueValidator(1)]
    )
    hours_per_enterprise = models.DecimalField(
        _("hours per week per enterprise"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0)],
    )
    meetings_per_year = models.PositiveSmallIntegerField(_("meetings per year"))
    social_domain_meetings_per_year = models.PositiveSmallIntegerField(
        _("of which with the social domain")
    )
    network_size = models.PositiveSmallIntegerField(_("network size (entrepreneurs)"))

    class Meta:
        verbose_name = _("process version")
        verbose_name_plural = _("process versions")
        ordering = ["-number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=VersionStatus.DRAFT) | Q(published_at__isnull=False),
                name="published_process_version_has_date",
            ),
            models.CheckConstraint(
                condition=Q(social_domain_meetings_per_year__lte=models.F("meetings_per_year")),
                name="social_domain_meetings_within_meetings",
                violation_error_message=_(
                    "The meetings with the social domain are part of the meetings per year."
                ),
            ),
        ]

    def __str__(self) -> str:
        return _("Process version %(number)d") % {"number": self.number}

    @property
    def is_published(self) -> bool:
        return self.status == VersionStatus.PUBLISHED


class ProcessStepRule(models.Model):
    """One founding step in a process version: order, owner and deadline rule ("``amount``
    ``unit`` after the ``counts_from_moment`` of step ``counts_from``; met when this step is
    ``applies_to``")."""

    version = models.ForeignKey(
        ProcessVersion,
        verbose_name=_("process version"),
        on_delete=models.CASCADE,
        related_name="steps",
    )
    code = models.CharField(_("step"), max_length=2, choices=StepCode.choices)
    position = models.PositiveSmallIntegerField(_("order"))
    owner = models.CharField(_("owner"), max_length=24, choices=Party.choices)
    amount = models.PositiveSmallIntegerField(
        _("deadline: amount"), default=0, help_text=_("0: this step has no deadline.")
    )
    unit = models.CharField(
        _("deadline: unit"), max_length=6, choices=DeadlineUnit.choices, blank=True
    )
    counts_from = models.CharField(
        _("deadline counts from step"), max_length=2, choices=StepCode.choices, blank=True
    )
    counts_from_moment = models.CharField(
        _("deadline counts from the moment that step was"),
        max_length=7,
        choices=Moment.choices,
        default=Moment.HELD,
    )
    applies_to = models.CharField(
        _("deadline is met when this step is"),
        max_length=7,
        choices=Moment.choices,
        default=Moment.HELD,
    )

    class Meta:
        verbose_name = _("step rule")
        verbose_name_plural = _("step rules")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "code"], name="one_rule_per_step_and_version"
            ),
            models.UniqueConstraint(
                fields=["version", "position"], name="one_step_per_position_and_version"
            ),
            models.CheckConstraint(
                condition=Q(amount=0) | (~Q(unit="") & ~Q(counts_from="")),
                name="step_rule_deadline_is_complete",
                violation_error_message=_("A deadline needs its unit and the step it counts from."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.version}: {self.get_code_display()}"


def latest_published_version_pk() -> int | None:
    """Default version of an office created outside the registration (demo data, fixtures):
    the newest published one."""
    return (
        ProcessVersion.objects.filter(status=VersionStatus.PUBLISHED)
        .order_by("-number")
        .values_list("pk", flat=True)
        .first()
    )


class InterestRegistration(models.Model):
    """A municipality's registration of interest via the public form (step 1).

    Stays unconfirmed until the contact clicks the link in the e-mail; confirming starts the
    office.
    """

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="pos_interest_registrations",
    )
    organisation_name = models.CharField(
        _("organisation"),
        max_length=200,
        help_text=_("Department of the municipality or the sportbedrijf."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200)
    email = models.EmailField(_("e-mail"))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    privacy_consent_at = models.DateTimeField(_("privacy consent given at"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("e-mail confirmed at"), null=True, blank=True)
    office = models.ForeignKey(
        "PosOffice",
        verbose_name=_("POS office"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registrations",
    )

    class Meta:
        verbose_name = _("interest registration")
        verbose_name_plural = _("interest registrations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.municipality} ({self.contact_name})"


class PosOffice(models.Model):
    """A POS office being founded or running in one municipality.

    ``current_step`` and ``status`` are kept in step by ``services`` from the step rows.
    """

    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="pos_offices",
    )
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=OfficeStatus.choices,
        default=OfficeStatus.ORIENTATION,
        db_index=True,
    )
    current_step = models.CharField(
        _("current step"), max_length=2, choices=StepCode.choices, default=StepCode.REGISTRATION
    )
    registered_on = models.DateField(_("registered on"))
    process_version = models.ForeignKey(
        ProcessVersion,
        verbose_name=_("process version"),
        on_delete=models.PROTECT,
        default=latest_published_version_pk,
        related_name="offices",
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    stopped_on = models.DateField(_("stopped on"), null=True, blank=True)
    stop_reason = models.TextField(_("reason for stopping"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # The office's public face (seed 000 §4: "POS-kantoor op de website van POS", "Agenda en
    # contactpersoon op de website van POS"): off until the municipality's policy officer
    # switches it on. The public contact is a person of its own, shown only with that
    # person's consent, recorded when and by whom.
    is_public = models.BooleanField(_("public on the website"), default=False)
    public_contact_name = models.CharField(_("public contact person"), max_length=200, blank=True)
    public_contact_email = models.EmailField(_("public contact e-mail"), blank=True)
    public_contact_phone = models.CharField(_("public contact phone"), max_length=30, blank=True)
    public_contact_consent_at = models.DateTimeField(
        _("contact person's consent recorded at"), null=True, blank=True
    )
    public_contact_consent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("POS office")
        verbose_name_plural = _("POS offices")
        ordering = ["municipality__name", "-registered_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"],
                condition=~Q(status=OfficeStatus.STOPPED),
                name="one_active_pos_office_per_municipality",
                violation_error_message=_("This municipality already has a POS office."),
            ),
            models.CheckConstraint(
                condition=~Q(status=OfficeStatus.STOPPED) | Q(stopped_on__isnull=False),
                name="stopped_pos_office_has_date",
            ),
            models.CheckConstraint(
                condition=(
                    Q(public_contact_name="", public_contact_email="", public_contact_phone="")
                    | Q(public_contact_consent_at__isnull=False)
                ),
                name="public_contact_has_consent",
                violation_error_message=_(
                    "A public contact person is shown only with their recorded consent."
                ),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "current_step"]),
            # The latest stopped office of a municipality (the maps link a municipality whose
            # offices all stopped to it): one index entry per municipality, where the
            # primary key walked backwards read every office (4,200 buffers for the 342).
            models.Index(
                fields=["municipality", "id"],
                condition=Q(status=OfficeStatus.STOPPED),
                name="stopped_office_latest_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("poskantoor:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class FoundingStep(models.Model):
    """One founding step of an office. Step 3 can have several attempts (NO-GO, new
    kartrekkers); every other step has exactly one row.

    ``evidence`` is any object that proves the step, typically a meeting of the meetings app,
    which this app cannot import (it depends on us); hence a generic relation.

    ``planned_on`` is the day the step was scheduled, ``held_on`` the day it took place.
    ``completed_on`` is the day the moment its deadline applies to was reached (``applies_to``:
    the planned day or the held day), so an open deadline is ``completed_on IS NULL``.
    ``owner`` and ``applies_to`` are copied from the office's process version.
    """

    office = models.ForeignKey(
        PosOffice, verbose_name=_("POS office"), on_delete=models.CASCADE, related_name="steps"
    )
    code = models.CharField(_("step"), max_length=2, choices=StepCode.choices)
    position = models.PositiveSmallIntegerField(_("position"), editable=False)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    owner = models.CharField(_("owner"), max_length=24, choices=Party.choices, blank=True)
    applies_to = models.CharField(
        _("deadline applies to"), max_length=7, choices=Moment.choices, default=Moment.HELD
    )
    due_date = models.DateField(_("deadline"), null=True, blank=True)
    planned_on = models.DateField(_("planned on"), null=True, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("completed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    evidence_note = models.TextField(_("evidence"), blank=True)
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_id = models.CharField(max_length=64, blank=True)
    evidence = GenericForeignKey("evidence_type", "evidence_id")
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)

    class Meta:
        verbose_name = _("founding step")
        verbose_name_plural = _("founding steps")
        ordering = ["office", "position", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "code", "attempt"], name="unique_founding_step_attempt"
            ),
            models.UniqueConstraint(
                fields=["office", "code"],
                condition=Q(completed_on__isnull=True),
                name="one_open_row_per_founding_step",
            ),
            models.UniqueConstraint(
                fields=["office", "code"],
                condition=Q(held_on__isnull=True),
                name="one_unheld_row_per_founding_step",
            ),
            models.CheckConstraint(
                condition=Q(held_on__isnull=True)
                | Q(planned_on__isnull=True)
                | Q(held_on__gte=models.F("planned_on")),
                name="founding_step_held_after_planned",
            ),
            models.CheckConstraint(
                condition=Q(decision="") | Q(code=StepCode.KARTREKKERS, completed_on__isnull=False),
                name="decision_only_on_completed_step_3",
            ),
        ]
        indexes = [
            models.Index(
                fields=["due_date"],
                condition=Q(completed_on__isnull=True, due_date__isnull=False),
                name="open_step_due_idx",
            ),
            # The dashboard's lead times read the steps held in the last two years: an index
            # range (index only) instead of a scan of every step of every office.
            models.Index(fields=["held_on", "office"], name="step_held_on_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.office}: {self.get_code_display()}"

    def save(self, *args, **kwargs):
        if self.position is None:
            self.position = STEP_SEQUENCE.index(self.code)
        super().save(*args, **kwargs)

    @property
    def party(self) -> str:
        return self.get_owner_display()

    @property
    def is_done(self) -> bool:
        """Its deadline's moment reached, and for step 3 held with GO: the next step may follow."""
        if self.completed_on is None:
            return False
        return self.code != StepCode.KARTREKKERS or self.decision == Decision.GO

    @property
    def is_held(self) -> bool:
        return self.held_on is not None


class StartSession(models.Model):
    """One of the three start sessions of the core group (step 5)."""

    office = models.ForeignKey(
        PosOffice,
        verbose_name=_("POS office"),
        on_delete=models.CASCADE,
        related_name="start_sessions",
    )
    number = models.PositiveSmallIntegerField(
        _("session"), validators=[MinValueValidator(1), MaxValueValidator(3)]
    )
    topic = models.CharField(_("topic"), max_length=24, choices=SessionTopic.choices)
    held_on = models.DateField(_("held on"))
    evidence_note = models.TextField(_("notes"), blank=True)
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_id = models.CharField(max_length=64, blank=True)
    evidence = GenericForeignKey("evidence_type", "evidence_id")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("start session")
        verbose_name_plural = _("start sessions")
        ordering = ["office", "number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "number"], name="unique_start_session"),
            models.CheckConstraint(
                condition=Q(number__gte=1, number__lte=3), name="start_session_number_1_to_3"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office}: {self.number}. {self.get_topic_display()}"


class CoreGroupMember(models.Model):
    """A member of the core group (kerngroep) with the commitment that feeds the basic
    conditions of seed 000 §6.1."""

    office = models.ForeignKey(
        PosOffice,
        verbose_name=_("POS office"),
        on_delete=models.CASCADE,
        related_name="core_members",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=14, choices=MemberKind.choices)
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("sport provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pos_core_memberships",
    )
    email = models.EmailField(_("e-mail"), blank=True)
    hours_per_week = models.DecimalField(
        _("hours per week"),
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(40)],
    )
    committed_from = models.DateField(_("committed from"))
    committed_until = models.DateField(_("committed until"))

    class Meta:
        verbose_name = _("core group member")
        verbose_name_plural = _("core group members")
        ordering = ["office", "kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind=MemberKind.ENTREPRENEUR) | Q(provider__isnull=False),
                name="entrepreneur_member_has_provider",
                violation_error_message=_("An entrepreneur must be linked to a sport provider."),
            ),
            models.CheckConstraint(
                condition=Q(committed_until__gte=models.F("committed_from")),
                name="member_commitment_ends_after_start",
                violation_error_message=_("The commitment cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(hours_per_week__gte=0) & Q(hours_per_week__lte=40),
                name="member_hours_0_to_40",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class DeadlineNotice(OnceOnlyNotice):
    """A reminder, deadline-day notice or escalation about one step (a once-only notice).

    The unique (step, kind) row is the claim: a sweep inserts it and commits, and the send
    marks it e-mailed in the transaction that queues the e-mail, so each notice goes out at
    most once however often or concurrently the sweep runs, and a claim whose send never
    happened is sent by a later sweep. ``recipients`` records who it went to.
    """

    step = models.ForeignKey(
        FoundingStep,
        verbose_name=_("founding step"),
        on_delete=models.CASCADE,
        related_name="notices",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    recipients = models.TextField(_("recipients"), blank=True)

    class Meta:
        verbose_name = _("deadline notice")
        verbose_name_plural = _("deadline notices")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["step", "kind"], name="one_notice_per_step_and_kind")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True),
                name="notice_unsent_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.step}: {self.get_kind_display()}"


class YearPlan(models.Model):
    """The year plan (jaarplan) an office writes in its start sessions (seed 000 step 5).

    ``content_version`` goes up on every change of the plan or of its meetings; the stored PDF
    is served only when ``pdf_version`` equals it, so a stale PDF is never handed out.
    ``budget_lines`` is a list of {"description": str, "amount": "1250.50"} (Decimal as text).
    """

    office = models.ForeignKey(
        PosOffice, verbose_name=_("POS office"), on_delete=models.CASCADE, related_name="year_plans"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2020), MaxValueValidator(2100)]
    )
    short_term_goals = models.TextField(_("short-term goals"), blank=True, max_length=10000)
    long_term_vision = models.TextField(_("long-term vision"), blank=True, max_length=10000)
    stakeholder_analysis = models.TextField(_("stakeholder analysis"), blank=True, max_length=10000)
    cooperation_agreements = models.TextField(
        _("cooperation agreements"), blank=True, max_length=10000
    )
    target_groups = models.ManyToManyField(
        TargetGroup, verbose_name=_("target groups"), blank=True, related_name="+"
    )
    themes = models.ManyToManyField(
        Theme,
        verbose_name=_("themes"),
        blank=True,
        related_name="+",
        limit_choices_to={"kind": ThemeKind.SPORTAKKOORD},
    )
    target_groups_note = models.TextField(
        _("target groups and themes: joint approach"), blank=True, max_length=10000
    )
    budget_lines = models.JSONField(_("budget lines"), default=list, blank=True)
    content_version = models.PositiveIntegerField(_("content version"), default=1)
    pdf = models.FileField(_("PDF"), upload_to="year-plans/", blank=True)
    pdf_version = models.PositiveIntegerField(_("version of the PDF"), default=0)
    pdf_generated_at = models.DateTimeField(_("PDF generated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("year plan")
        verbose_name_plural = _("year plans")
        ordering = ["office", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year"],
                name="one_year_plan_per_office_and_year",
                violation_error_message=_("This office already has a year plan for that year."),
            ),
            models.CheckConstraint(
                condition=Q(pdf_version__lte=models.F("content_version")),
                name="year_plan_pdf_not_ahead_of_content",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("poskantoor:year_plan", args=[self.office_id, self.year])

    @property
    def pdf_is_current(self) -> bool:
        return bool(self.pdf) and self.pdf_version == self.content_version


# The joint decision lives in its own folder; importing it here registers its models.
from .decisions.models import DecisionProposal, MappingStatement  # noqa: E402, F401
