"""Every contact between the desk and providers.

Support questions (hulpvragen): ``SupportRequest`` with its append-only timeline
``SupportRequestEvent``, its warm handovers ``Handover`` and the decisions on money made for
it (``SupportRequestAllocation``); proactive ``ContactMoment``s.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Provider
from sportloket.models import (
    Desk,
    Municipality,
    OnceOnlyNotice,
    Organisation,
    QuestionCategory,
)

from ..support.constants import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    STATUS_BADGE,
    Channel,
    ContactChannel,
    EventKind,
    HandoverStatus,
    Priority,
    SupportStatus,
)


class SupportRequest(models.Model):
    """A support question of a provider to a desk.

    ``is_open`` and ``clock_running`` mirror ``status in OPEN_STATUSES`` /
    ``CLOCK_RUNNING_STATUSES`` (kept by the services, checked by the database) so that the triage
    board's queues read an index in deadline order. ``deadline`` is the date by which
    the desk owes a response; it moves on by the paused working days when a question comes
    back from waiting for the provider.
    """

    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="support_requests"
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.PROTECT,
        related_name="support_requests",
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="support_requests",
        db_index=False,
    )
    subject = models.CharField(_("subject"), max_length=200)
    question = models.TextField(_("question"), max_length=5000)
    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=12, choices=SupportStatus.choices, default=SupportStatus.NEW
    )
    is_open = models.BooleanField(_("open"), default=True)
    clock_running = models.BooleanField(_("awaiting the desk's response"), default=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_support_requests",
        db_index=False,
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("handed over to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_requests",
        db_index=False,
    )
    requester_name = models.CharField(_("requester"), max_length=200, blank=True)
    requester_email = models.EmailField(_("requester e-mail"), blank=True)
    public_token = models.CharField(_("private link code"), max_length=64, unique=True)
    deadline = models.DateField(_("respond by"))
    paused_on = models.DateField(_("clock paused on"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    reminded_for = models.DateField(_("reminder sent for deadline"), null=True, blank=True)
    escalated_for = models.DateField(_("escalated for deadline"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    # Kept by the services with every timeline event: the board's "last activity" sort reads
    # an index instead of the newest event per question.
    last_activity_at = models.DateTimeField(_("last activity"), default=timezone.now)
    # When the requester last added information through the private link, until the desk
    # acts on the question again: the board marks such questions.
    new_info_at = models.DateTimeField(_("new information at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("support question")
        verbose_name_plural = _("support questions")
        ordering = ["deadline", "pk"]
        indexes = [
            models.Index(
                fields=["desk", "is_open", "deadline", "id"], name="sr_desk_open_deadline"
            ),
            models.Index(
                fields=["desk", "status", "deadline", "id"], name="sr_desk_status_deadline"
            ),
            models.Index(fields=["municipality", "is_open", "deadline"], name="sr_muni_open"),
            models.Index(fields=["assignee", "is_open", "deadline"], name="sr_assignee_open"),
            models.Index(fields=["organisation", "is_open"], name="sr_org_open"),
            models.Index(
                fields=["desk", "clock_running", "deadline", "id"], name="sr_desk_clock_deadline"
            ),
            models.Index(fields=["clock_running", "deadline"], name="sr_clock_deadline"),
            # Desk dashboard: the latest first responses (median time to first response).
            models.Index(fields=["desk", "first_response_at"], name="sr_desk_first_response"),
            # The desk's questions of a period: quality page's theme and category counts, and
            # the dashboard rollup's counts per period, status and category — read from the
            # index alone on PostgreSQL (status and category included), not from the rows.
            models.Index(
                fields=["desk", "created_at"],
                include=["status", "category"],
                name="sr_desk_created",
            ),
            # The board's other sorts of the open queue.
            models.Index(
                fields=["desk", "is_open", "created_at", "id"], name="sr_desk_open_received"
            ),
            models.Index(
                fields=["desk", "is_open", "last_activity_at", "id"], name="sr_desk_open_activity"
            ),
            models.Index(
                fields=["desk", "is_open", "-priority", "deadline", "id"],
                name="sr_desk_open_priority",
            ),
            # The board's "new information only": few questions, found without a scan.
            models.Index(
                fields=["desk", "deadline", "id"],
                condition=models.Q(new_info_at__isnull=False),
                name="sr_desk_new_info",
            ),
            # The board's "assigned to me" (and overdue) in deadline order: only the open
            # questions, a few percent of all, so a small index read without a sort.
            models.Index(
                fields=["assignee", "deadline", "id"],
                name="sr_assignee_open_deadline",
                condition=models.Q(is_open=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_open=True, status__in=sorted(OPEN_STATUSES))
                | models.Q(is_open=False, status__in=sorted(set(SupportStatus) - OPEN_STATUSES)),
                name="support_request_is_open_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(clock_running=True, status__in=sorted(CLOCK_RUNNING_STATUSES))
                | models.Q(
                    clock_running=False,
                    status__in=sorted(set(SupportStatus) - CLOCK_RUNNING_STATUSES),
                ),
                name="support_request_clock_running_matches_status",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:request_detail", args=[self.pk])

    @property
    def status_badge(self) -> str:
        return STATUS_BADGE.get(self.status, "")

    def get_public_url(self) -> str:
        return reverse("meetings:public_follow", args=[self.public_token])


class AppendOnlyError(Exception):
    """A timeline event was about to be changed or deleted."""


class SupportRequestEvent(models.Model):
    """One entry in a question's timeline. Append-only: never updated or deleted.

    ``public`` events are shown to the requester through the private link; internal notes are
    never public and are hidden from policy staff.
    """

    support_request = models.ForeignKey(
        SupportRequest,
        verbose_name=_("support question"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    public = models.BooleanField(_("visible to the requester"), default=False)
    text = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["support_request", "at"], name="sre_request_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("timeline events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("timeline events are append-only")


class Handover(models.Model):
    """A warm handover of a question to a partner organisation, closed by its answer."""

    support_request = models.ForeignKey(
        SupportRequest,
        verbose_name=_("support question"),
        on_delete=models.CASCADE,
        related_name="handovers",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="handovers",
    )
    note = models.TextField(_("note for the receiving organisation"), max_length=5000)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=HandoverStatus.choices,
        default=HandoverStatus.PENDING,
    )
    respond_by = models.DateField(_("answer by"))
    created_at = models.DateTimeField(_("handed over at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handed over by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    helper_name = models.CharField(_("who will help"), max_length=200, blank=True)
    help_by = models.DateField(_("contact with the requester by"), null=True, blank=True)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.TextField(_("outcome"), max_length=5000, blank=True)
    outcome_at = models.DateTimeField(_("outcome reported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["organisation", "status", "respond_by"], name="ho_org_status"),
            models.Index(fields=["status", "respond_by"], name="ho_status_respond_by"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["support_request"],
                condition=models.Q(status="pending"),
                name="one_pending_handover_per_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.support_request} → {self.organisation}"


class HandoverReminder(OnceOnlyNotice):
    """The reminder to the receiving organisation's staff before a pending handover expires (a
    once-only notice): one row per handover is the claim, the e-mail goes out in a separate
    send."""

    handover = models.OneToOneField(
        Handover,
        verbose_name=_("handover"),
        on_delete=models.CASCADE,
        related_name="reminder",
    )

    class Meta:
        verbose_name = _("handover reminder")
        verbose_name_plural = _("handover reminders")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True, closed_at__isnull=True),
                name="handover_reminder_unsent",
            )
        ]

    def __str__(self) -> str:
        return str(self.handover)


class SupportRequestAllocation(models.Model):
    """A decision on money (``subsidies.Allocation``) made for a support question.

    The link lives here because ``meetings`` depends on ``subsidies`` and never the reverse:
    ``subsidies`` does not know questions exist. ``services.support_request_allocate`` creates
    the allocation (through ``subsidies.services.allocation_create``, which locks the budget
    row and keeps ``allocated <= total``) and this row in one transaction, so there is never an
    allocation for a question without its link, or the other way round. The allocation carries
    the question's number as its ``reference`` — the recipient the transparency overview shows
    — and the question's provider only when that is a confirmed provider of the registry.
    One allocation belongs to at most one question (one-to-one); a question may have many.
    Allocations are never deleted (a withdrawal keeps the row), hence PROTECT on both sides.
    """

    support_request = models.ForeignKey(
        SupportRequest,
        verbose_name=_("support question"),
        on_delete=models.PROTECT,
        related_name="allocation_links",
    )
    allocation = models.OneToOneField(
        "subsidies.Allocation",
        verbose_name=_("allocation"),
        on_delete=models.PROTECT,
        related_name="support_request_link",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("allocation for a support question")
        verbose_name_plural = _("allocations for support questions")

    def __str__(self) -> str:
        return f"#{self.support_request_id}: {self.allocation}"


class ContactMoment(models.Model):
    """A proactive contact of the desk with a provider (seed 002: regular, proactive contact)."""

    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="contact_moments",
    )
    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="contact_moments"
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    date = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=10, choices=ContactChannel.choices)
    summary = models.TextField(_("summary"), max_length=5000)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact moment")
        verbose_name_plural = _("contact moments")
        ordering = ["-date", "-pk"]
        indexes = [models.Index(fields=["provider", "date"], name="cm_provider_date")]

    def __str__(self) -> str:
        return f"{self.provider} {self.date}"


class DeskOverviewNotice(OnceOnlyNotice):
    """The daily overview of one club supporter (a once-only notice): the unique row per person
    and day is the claim, so a second or concurrent sweep sends nobody a second overview."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("club supporter"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    on = models.DateField(_("day"))

    class Meta:
        verbose_name = _("daily desk overview")
        verbose_name_plural = _("daily desk overviews")
        constraints = [
            models.UniqueConstraint(fields=["user", "on"], name="one_desk_overview_per_day")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True, closed_at__isnull=True),
                name="desk_overview_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.on:%Y-%m-%d}"


class DeskOverviewOptOut(models.Model):
    """A club supporter who switched the daily overview off; no row: the overview is sent."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("club supporter"),
        on_delete=models.CASCADE,
        related_name="desk_overview_opt_out",
    )
    created_at = models.DateTimeField(_("switched off at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily overview switched off")
        verbose_name_plural = _("daily overviews switched off")

    def __str__(self) -> str:
        return str(self.user)
