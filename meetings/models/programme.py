"""Meetings of POS offices and desks (the POS programme): ``Meeting`` with its ``Attendee``s and
``Agreement``s, and the ``AgreementNotice`` about an overdue agreement."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from providers.models import Provider
from sportloket.models import Desk, OnceOnlyNotice, Organisation, TargetGroup, Theme

from ..programme.constants import AgreementKind, AttendeeRole, MeetingKind, MeetingStatus

# --- Meetings of POS offices and desks (issue 6: programme, attendance, minutes) -------------


class Meeting(models.Model):
    """A meeting of a POS office or of a desk (exactly one of the two, checked by the database).

    ``uid`` is the stable iCalendar UID; ``sequence`` goes up whenever the meeting moves or is
    cancelled, so calendars replace the earlier invitation. ``policy_maker_present`` and
    ``social_domain_present`` are derived from the attendance by the services and stored, so
    the guideline check can count them set-based.
    """

    office = models.ForeignKey(
        "poskantoor.PosOffice",
        verbose_name=_("POS office"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
    )
    desk = models.ForeignKey(
        Desk,
        verbose_name=_("desk"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="meetings",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    agenda = models.TextField(_("agenda"), blank=True, max_length=5000)
    goals = models.TextField(_("goals"), blank=True, max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    programme_item = models.CharField(_("programme item"), max_length=40, blank=True)
    session_topic = models.CharField(
        _("start session topic"),
        max_length=24,
        blank=True,
        help_text=_("Only for start sessions 1-3 of the core group."),
    )
    municipality_presented = models.BooleanField(
        _("the municipality presented its target groups and themes"), default=False
    )
    policy_maker_present = models.BooleanField(_("policy maker present"), default=False)
    social_domain_present = models.BooleanField(_("social domain present"), default=False)
    decision = models.CharField(_("GO / NO-GO"), max_length=12, blank=True)
    minutes = models.TextField(_("minutes"), blank=True, max_length=20000)
    uid = models.UUIDField(_("calendar UID"), default=uuid.uuid4, unique=True, editable=False)
    sequence = models.PositiveIntegerField(_("calendar sequence"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        indexes = [
            models.Index(fields=["office", "status", "starts_at"], name="meeting_office_status"),
            models.Index(fields=["desk", "starts_at"], name="meeting_desk_starts"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(office__isnull=False, desk__isnull=True)
                | models.Q(office__isnull=True, desk__isnull=False),
                name="meeting_for_office_xor_desk",
                violation_error_message=_("A meeting belongs to a POS office or to a desk."),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message=_("A meeting must end after it starts."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:meeting_detail", args=[self.pk])


class Attendee(models.Model):
    """A person or provider invited to a meeting, and whether they were present."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendees"
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), blank=True)
    role = models.CharField(_("role"), max_length=16, choices=AttendeeRole.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("sport provider"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_attendances",
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    present = models.BooleanField(_("present"), default=False)
    invited_sequence = models.IntegerField(_("invitation sent for sequence"), null=True, blank=True)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        ordering = ["meeting", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "provider"],
                condition=models.Q(provider__isnull=False),
                name="attendee_provider_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting", "email"],
                condition=~models.Q(email=""),
                name="attendee_email_once_per_meeting",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """An agreement or cooperation project made at a meeting, on a target group or theme."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="agreements"
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=AgreementKind.choices, default=AgreementKind.AGREEMENT
    )
    description = models.TextField(_("description"), max_length=2000)
    target_group = models.ForeignKey(
        TargetGroup,
        verbose_name=_("target group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    theme = models.ForeignKey(
        Theme,
        verbose_name=_("theme"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    owner_name = models.CharField(_("owner"), max_length=200)
    owner_email = models.EmailField(_("owner e-mail"), blank=True)
    due_on = models.DateField(_("due date"))
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(
                fields=["due_on"], condition=models.Q(done_on__isnull=True), name="agreement_open"
            )
        ]

    def __str__(self) -> str:
        return self.description[:80]


class AgreementNotice(OnceOnlyNotice):
    """The one notice to the owner of an overdue agreement (a once-only notice): the unique row
    per agreement is the claim; the e-mail is queued by a separate send that a later sweep
    repeats if the worker died in between."""

    agreement = models.OneToOneField(
        Agreement,
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="overdue_notice",
    )

    class Meta:
        verbose_name = _("overdue agreement notice")
        verbose_name_plural = _("overdue agreement notices")
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(emailed_at__isnull=True, closed_at__isnull=True),
                name="agreement_notice_unsent",
            )
        ]

    def __str__(self) -> str:
        return str(self.agreement)
