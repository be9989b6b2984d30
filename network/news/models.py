"""The news update, the opt-ins of its readers and its deliveries (once-only notices).

Imported by ``network/models.py``: the models belong to the ``network`` app.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from poskantoor.models import PosOffice
from sportloket.models import OnceOnlyNotice

from .constants import Audience, SubscriptionSource, UpdateStatus


class NewsUpdate(models.Model):
    """One "POS-lokaal" update. A draft can be edited; sending moves it to ``sending`` (a
    conditional UPDATE, so a second start finds nothing) and it is ``sent`` when every claimed
    delivery was e-mailed or closed. Only sent updates are shown in the public archive."""

    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), max_length=10000)
    link = models.URLField(_("link"), max_length=500, blank=True)
    audience = models.CharField(_("audience"), max_length=10, choices=Audience.choices)
    office = models.ForeignKey(
        PosOffice,
        verbose_name=_("POS office"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="news_updates",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=UpdateStatus.choices, default=UpdateStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    send_started_at = models.DateTimeField(_("sending started at"), null=True, blank=True)
    recipients_fixed_at = models.DateTimeField(_("recipients claimed at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    recipient_count = models.PositiveIntegerField(_("recipients"), default=0)

    class Meta:
        verbose_name = _("news update")
        verbose_name_plural = _("news updates")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(audience=Audience.OFFICE) & Q(office__isnull=False))
                | (Q(audience=Audience.NATIONAL) & Q(office__isnull=True)),
                name="news_update_office_matches_audience",
                violation_error_message=_("Choose a POS office for an update to one office."),
            ),
            models.CheckConstraint(
                condition=Q(status=UpdateStatus.DRAFT) | Q(send_started_at__isnull=False),
                name="news_update_sending_has_start",
            ),
        ]
        indexes = [models.Index(fields=["status", "-sent_at"], name="news_update_archive")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        if self.status == UpdateStatus.DRAFT:
            return reverse("network:news_preview", args=[self.pk])
        return reverse("network:news_detail", args=[self.pk])


class NewsSubscription(models.Model):
    """An opt-in for the news update, recorded when the person confirmed the link e-mailed to
    their address. Unsubscribing empties the address (``email`` NULL): nothing of the person
    stays, and a new opt-in is a new row."""

    email = models.EmailField(_("e-mail"), unique=True, null=True, blank=True)
    source = models.CharField(_("how opted in"), max_length=20, choices=SubscriptionSource.choices)
    opted_in_at = models.DateTimeField(_("opted in at"))
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("news update subscription")
        verbose_name_plural = _("news update subscriptions")
        constraints = [
            models.CheckConstraint(
                condition=(Q(email__isnull=False) & Q(unsubscribed_at__isnull=True))
                | (Q(email__isnull=True) & Q(unsubscribed_at__isnull=False)),
                name="news_subscription_address_until_unsubscribed",
            ),
        ]

    def __str__(self) -> str:
        return self.email or str(_("(unsubscribed)"))


class NewsDelivery(OnceOnlyNotice):
    """One update e-mailed to one subscription (a once-only notice): the unique row per update
    and subscription is the claim, the e-mail goes out in a separate send."""

    update = models.ForeignKey(
        NewsUpdate,
        verbose_name=_("news update"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    subscription = models.ForeignKey(
        NewsSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )

    class Meta:
        verbose_name = _("news update delivery")
        verbose_name_plural = _("news update deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["update", "subscription"], name="one_news_delivery_per_subscription"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True, closed_at__isnull=True),
                name="news_delivery_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.update} → {self.subscription_id}"
