"""The providers' portal: who of an organisation may sign in, the sign-in links sent, and the
social-safety evidence the organisation submits for the desk to check."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from providers.constants import SAFETY_BASICS
from providers.models import Provider

from ..portal.constants import SafetyClaimState


class PortalContact(models.Model):
    """A person of a provider's organisation with access to the portal.

    The provider's own contact address gets a row the first time it asks for a sign-in link;
    a colleague gets one when invited. A revoked row stays (``revoked_at``), so a revoked
    address cannot come back by asking for a link again; the desk can give access back.
    A portal contact is never a staff user: signing in sets only the portal's own session key.
    """

    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="portal_contacts",
    )
    email = models.EmailField(_("e-mail"))
    name = models.CharField(_("name"), max_length=200, blank=True)
    invited_by = models.ForeignKey(
        "self",
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_sign_in_at = models.DateTimeField(_("last signed in at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("access revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("access revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("portal contact")
        verbose_name_plural = _("portal contacts")
        ordering = ["provider", "email"]
        constraints = [
            models.UniqueConstraint(
                "provider", Upper("email"), name="one_portal_contact_per_provider_and_email"
            ),
        ]
        indexes = [models.Index(Upper("email"), name="portal_contact_email_upper_idx")]

    def __str__(self) -> str:
        return f"{self.email} ({self.provider})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PortalSignInLink(models.Model):
    """One request for a sign-in link, and the link sent for it.

    The web request only stores the address asked for and queues a task, for known and unknown
    addresses alike (same answer, same work); the task finds the contacts and sends the link.
    Only a hash of the link's secret is stored. A link is single-use (``used_at``, set under a
    row lock) and expires (``expires_at``).
    """

    email = models.EmailField(_("e-mail"))
    contact = models.ForeignKey(
        PortalContact,
        verbose_name=_("portal contact"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sign_in_links",
    )
    secret_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("portal sign-in link")
        verbose_name_plural = _("portal sign-in links")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["expires_at"], name="portal_link_expires_idx")]

    def __str__(self) -> str:
        return f"{self.email} {self.created_at:%Y-%m-%d %H:%M}"


def _evidence_upload_to(claim: SafetyClaim, filename: str) -> str:
    # Only the suffix (chosen from the detected type) reaches the storage key, never the name.
    return f"safety-evidence/{claim.provider_id}/{uuid.uuid4().hex}{Path(filename).suffix}"


class SafetyClaim(models.Model):
    """A provider's evidence (a file and/or a date) that it meets one of the social-safety
    basics, submitted through the portal "to be checked" by the desk.

    Seed 003: "Van de sportaanbieders wordt verwacht dat zij zich bewust zijn van het voorkomen
    van grensoverschrijdend gedrag, en dat zij (gaan) voldoen aan de basiseisen." The provider's
    own status of a basic changes only when the desk confirms a claim. At most one claim per
    provider and basic waits for the desk at a time (a database constraint). The evidence file
    lives in the default storage and is only ever served through a permission-checked view.
    """

    provider = models.ForeignKey(
        Provider,
        verbose_name=_("provider"),
        on_delete=models.CASCADE,
        related_name="safety_claims",
    )
    basic = models.CharField(
        _("social-safety basic"), max_length=30, choices=list(SAFETY_BASICS.items())
    )
    date = models.DateField(_("date"), null=True, blank=True)
    file = models.FileField(
        _("evidence file"), upload_to=_evidence_upload_to, max_length=300, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(_("file type"), max_length=50, blank=True)
    submitted_by = models.ForeignKey(
        PortalContact,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    state = models.CharField(
        _("state"),
        max_length=10,
        choices=SafetyClaimState.choices,
        default=SafetyClaimState.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("social-safety evidence")
        verbose_name_plural = _("social-safety evidence")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "basic"],
                condition=models.Q(state=SafetyClaimState.PENDING),
                name="one_pending_safety_claim_per_basic",
            ),
            models.CheckConstraint(
                condition=~models.Q(file="") | models.Q(date__isnull=False),
                name="safety_claim_has_evidence_or_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=SafetyClaimState.REJECTED) | ~models.Q(reason=""),
                name="safety_claim_rejected_with_reason",
            ),
            models.CheckConstraint(
                condition=models.Q(state=SafetyClaimState.PENDING)
                | models.Q(decided_at__isnull=False),
                name="safety_claim_decided_with_time",
            ),
        ]
        indexes = [
            # The desk's review list: pending claims, oldest first.
            models.Index(fields=["state", "submitted_at"], name="safety_claim_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} · {self.get_basic_display()} ({self.get_state_display()})"
