"""Per-organisation API tokens: only a hash is stored; the key is shown once, when made."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportloket.models import Organisation


class ApiToken(models.Model):
    """A key an organisation's system uses to call the API as one of its staff accounts.

    The token has exactly the rights of ``user`` (its role and scope, like the pages), and
    only while that account belongs to ``organisation`` and is active. ``key_hash`` is the
    SHA-256 of the whole key: keys are 256-bit random strings, so a fast hash is enough and
    lets a request find its token with one indexed lookup. ``prefix`` (the key's first
    characters, not secret) tells tokens apart in lists and logs.
    """

    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text=_(
            "A staff account of the organisation: the token may do exactly what this account "
            "may do."
        ),
    )
    name = models.CharField(
        _("name"), max_length=200, help_text=_("What the token is for, e.g. “website POS”.")
    )
    prefix = models.CharField(_("key starts with"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
