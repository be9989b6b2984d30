"""Private calendar subscriptions (``.ics`` feeds) of a staff member, a desk or a POS office."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sportloket.models import Desk


def new_feed_key() -> str:
    return secrets.token_hex(20)


class CalendarFeed(models.Model):
    """The private subscription address of one owner: a staff member, a desk or a POS office
    (exactly one, checked by the database).

    The address carries ``<pk>-<secret>``; the secret is a keyed hash (HMAC with the secret
    key) of ``key``, so a copy of the database alone does not give anyone a working address.
    A new ``key`` ("new address") makes every earlier address stop working at once.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    desk = models.OneToOneField(
        Desk,
        verbose_name=_("desk"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    office = models.OneToOneField(
        "poskantoor.PosOffice",
        verbose_name=_("POS office"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="calendar_feed",
    )
    key = models.CharField(_("key"), max_length=64, default=new_feed_key)
    renewed_at = models.DateTimeField(_("address made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=False, desk__isnull=True, office__isnull=True)
                | models.Q(user__isnull=True, desk__isnull=False, office__isnull=True)
                | models.Q(user__isnull=True, desk__isnull=True, office__isnull=False),
                name="calendar_feed_has_one_owner",
            )
        ]

    def __str__(self) -> str:
        return str(self.user or self.desk or self.office)
