"""The providers' portal: who of an organisation may sign in, and the sign-in links sent."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from providers.models import Provider


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
