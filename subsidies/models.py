"""Schemes (regelingen en fondsen), what was shared with whom, and a desk's budgets."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import Provider
from sportloket.models import Desk, Municipality, OnceOnlyNotice, TargetGroup, Theme

from .constants import BudgetKind, Decision, ShareChannel

CENT = Decimal("0.01")
# Provider.kind -> the Scheme flag that says whether that kind may apply.
KIND_FIELDS = {"club": "for_clubs", "entrepreneur": "for_entrepreneurs", "other": "for_other"}


def money_field(label, **kwargs) -> models.DecimalField:
    """Euros with cents, exact (no floating point anywhere)."""
    return models.DecimalField(label, max_digits=12, decimal_places=2, **kwargs)


class Scheme(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    funder = models.CharField(_("funder"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    link = models.URLField(_("link"), blank=True)
    target_groups = models.ManyToManyField(
        TargetGroup,
        verbose_name=_("target groups"),
        blank=True,
        related_name="schemes",
        help_text=_("Leave empty when the scheme is open to every target group."),
    )
    themes = models.ManyToManyField(
        Theme,
        verbose_name=_("themes"),
        blank=True,
        related_name="schemes",
        help_text=_("Leave empty when the scheme is not bound to a theme."),
    )
    for_clubs = models.BooleanField(_("clubs may apply"), default=True)
    for_entrepreneurs = models.BooleanField(_("sport entrepreneurs may apply"), default=True)
    for_other = models.BooleanField(_("other providers may apply"), default=False)
    amount_min = money_field(_("minimum amount (€)"), null=True, blank=True)
    amount_max = money_field(_("maximum amount (€)"), null=True, blank=True)
    opens_on = models.DateField(_("open from"), null=True, blank=True)
    closes_on = models.DateField(
        _("open until"), null=True, blank=True, help_text=_("Leave empty when always open.")
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set by every save (``services.scheme_save``, the admin): the digest looks again at every
    # provider for a scheme changed since its last run.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("scheme")
        verbose_name_plural = _("schemes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True) | Q(amount_min__gte=0),
                name="scheme_amount_min_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(amount_min__isnull=True)
                | Q(amount_max__isnull=True)
                | Q(amount_max__gte=F("amount_min")),
                name="scheme_amount_range_ordered",
                violation_error_message=_("The maximum amount is below the minimum amount."),
            ),
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True)
                | Q(closes_on__isnull=True)
                | Q(closes_on__gte=F("opens_on")),
                name="scheme_period_ordered",
                violation_error_message=_("The scheme closes before it opens."),
            ),
            models.CheckConstraint(
                condition=Q(for_clubs=True) | Q(for_entrepreneurs=True) | Q(for_other=True),
                name="scheme_open_to_some_kind",
                violation_error_message=_("Choose at least one kind of provider that may apply."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("subsidies:scheme_detail", args=[self.pk])

    def is_open(self, on: dt.date) -> bool:
        return (
            self.active
            and (self.opens_on is None or self.opens_on <= on)
            and (self.closes_on is None or self.closes_on >= on)
        )

    @property
    def open_now(self) -> bool:
        return self.is_open(timezone.localdate())

    def accepts_kind(self, kind: str) -> bool:
        return bool(getattr(self, KIND_FIELDS[kind]))


class SchemeShare(models.Model):
    """One scheme sent to one provider: the sharing log, and the digest's exactly-once claim.

    Unique per (scheme, provider): a provider never receives the same scheme twice. A sender
    inserts the row first (with its own ``claim``) and only e-mails the rows it inserted.
    """

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="shares"
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("sport provider"),
        on_delete=models.CASCADE,
        related_name="scheme_shares",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=ShareChannel.choices)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shared by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    shared_at = models.DateTimeField(_("shared at"), auto_now_add=True, db_index=True)
    claim = models.UUIDField(_("claim"), db_index=True)
    # The provider's kind and municipality when it received the scheme (denormalised, written
    # with the row): the entrepreneurs reached (``EntrepreneurReach``, the guideline count) are
    # derived from them without a join with every provider.
    provider_kind = models.CharField(_("kind of provider"), max_length=20, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("shared scheme")
        verbose_name_plural = _("shared schemes")
        ordering = ["-shared_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["scheme", "provider"], name="unique_scheme_share")
        ]
        indexes = [
            # "Shared with" on a scheme's page: the newest shares of one scheme, read from
            # this scheme's end of the index instead of all shares by date.
            models.Index(fields=["scheme", "-shared_at", "-id"], name="share_scheme_newest_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.scheme} → {self.provider}"

    def save(self, *args, **kwargs):
        if self._state.adding and self.municipality_id is None and self.provider_id:
            self.provider_kind = self.provider.kind
            self.municipality_id = self.provider.municipality_id
        super().save(*args, **kwargs)


class SchemeShareTally(models.Model):
    """How many shares a scheme has (every channel, every year): the schemes list reads this
    row instead of counting the share history, so its cost follows the number of schemes.

    Kept in the transaction that inserts or removes shares: ``services`` adds what a sender
    inserted (``F()`` increments in scheme order, so concurrent senders add up and cannot
    deadlock) and ``signals`` subtracts the shares of a provider that is deleted (a scheme's
    own row goes with it). A separate
    row, not a field of ``Scheme``, so that saving a scheme never writes a stale count and an
    edit does not wait for a digest that holds the count. No row: no shares."""

    scheme = models.OneToOneField(
        Scheme,
        verbose_name=_("scheme"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="share_tally",
    )
    shares = models.PositiveIntegerField(_("shares"), default=0)

    class Meta:
        verbose_name = _("share count of a scheme")
        verbose_name_plural = _("share counts of schemes")

    def __str__(self) -> str:
        return f"{self.scheme_id}: {self.shares}"


class EntrepreneurReach(models.Model):
    """A provider that was a sport entrepreneur in ``municipality`` when it received at least
    one scheme in calendar ``year`` (Europe/Amsterdam): one row per (year, municipality,
    provider), whatever the number of shares. The guideline count "entrepreneurs reached per
    municipality" is then a GROUP BY over one year's rows on the unique index, which grows with
    the entrepreneurs reached, not with the share history (``selectors.shares_per_municipality``).

    Inserted with the shares (``services``, ON CONFLICT DO NOTHING, so concurrent senders
    agree); deleted with its provider (CASCADE); rebuilt for the providers of a deleted scheme
    (``signals``), whose shares go with it."""

    year = models.PositiveSmallIntegerField(_("year"))
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey(
        Provider, verbose_name=_("sport provider"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("entrepreneur reached")
        verbose_name_plural = _("entrepreneurs reached")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "municipality", "provider"], name="unique_entrepreneur_reach"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.municipality_id} {self.provider_id}"


class DigestNotice(OnceOnlyNotice):
    """One digest e-mail to one provider (a once-only notice): the schemes it announces are
    the digest shares inserted with ``shares_claim``. Claimed with those shares in the sweep's
    transaction and e-mailed in a separate send, which a later sweep repeats if the worker
    died in between."""

    provider = models.ForeignKey(
        Provider,
        verbose_name=_("sport provider"),
        on_delete=models.CASCADE,
        related_name="scheme_digests",
    )
    shares_claim = models.UUIDField(_("claim of the shared schemes"))

    class Meta:
        verbose_name = _("scheme digest")
        verbose_name_plural = _("scheme digests")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "shares_claim"], name="one_digest_per_provider_and_claim"
            )
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(emailed_at__isnull=True, closed_at__isnull=True),
                name="digest_notice_unsent",
            )
        ]

    def __str__(self) -> str:
        return str(self.provider)


class DigestMark(models.Model):
    """Where the scheme digest stands (one row): the day of its last sweep and from when it
    looks for changed schemes and providers, so a sweep reads only what is new since
    (``services.digest_sweep``). ``changes_since`` lies a few minutes before that sweep began,
    so a change committed while it ran is seen by the next one."""

    on = models.DateField(_("last swept on"))
    changes_since = models.DateTimeField(_("changes since"))
    swept_at = models.DateTimeField(_("last swept at"))

    class Meta:
        verbose_name = _("digest mark")
        verbose_name_plural = _("digest marks")

    def __str__(self) -> str:
        return f"{self.on}: {self.changes_since:%Y-%m-%d %H:%M}"


class DigestOptOut(models.Model):
    """A provider that unsubscribed from the scheme digest (through the link in the e-mail)."""

    provider = models.OneToOneField(
        Provider,
        verbose_name=_("sport provider"),
        on_delete=models.CASCADE,
        related_name="scheme_digest_opt_out",
    )
    at = models.DateTimeField(_("unsubscribed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("digest unsubscription")
        verbose_name_plural = _("digest unsubscriptions")

    def __str__(self) -> str:
        return str(self.provider)


class Budget(models.Model):
    """Money a desk decides on in one year. ``allocated`` is the sum of the granted allocations
    that were not withdrawn, kept by the services that change it (allocate, withdraw, edit the
    total) under a row lock on this budget; the CHECK constraint ``allocated <= total`` is the
    database's guarantee that it is never over-allocated."""

    desk = models.ForeignKey(
        Desk, verbose_name=_("desk"), on_delete=models.PROTECT, related_name="budgets"
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000)], db_index=True
    )
    kind = models.CharField(_("kind"), max_length=12, choices=BudgetKind.choices)
    name = models.CharField(_("name"), max_length=200)
    total = money_field(_("total (€)"), validators=[MinValueValidator(Decimal("0"))])
    allocated = money_field(_("allocated (€)"), default=Decimal("0.00"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ["-year", "kind", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["desk", "year", "name"],
                name="unique_budget_name_per_desk_year",
                violation_error_message=_("This desk already has a budget with this name."),
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="budget_total_not_negative"),
            models.CheckConstraint(
                condition=Q(allocated__gte=0), name="budget_allocated_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(allocated__lte=F("total")), name="budget_not_over_allocated"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}"

    def get_absolute_url(self) -> str:
        return reverse("subsidies:budget_detail", args=[self.pk])

    @property
    def remaining(self) -> Decimal:
        return self.total - self.allocated


class Allocation(models.Model):
    """A decision on money, always with a written rationale (seed 002: transparent decisions).

    **To whom.** A decision goes to a sport provider of the registry (``provider``) or is made
    for a case another app owns, named by ``reference`` — a support question ("Hulpvraag
    #123"), written by ``meetings`` when it records a decision for a question. ``subsidies``
    sits below ``meetings`` and never imports it: the question itself is linked on the meetings
    side (``meetings.SupportRequestAllocation``), and ``reference`` is the readable snapshot
    this app shows in the budget, the transparency overview and its CSV. A decision for a
    question also names the question's provider when that is a confirmed provider of the
    registry; a pending registration from the public form is left out, so what a requester
    typed never reaches the overview. The CHECK ``allocation_has_recipient`` guarantees that
    every allocation has a provider or a reference.

    **Counting.** Only granted allocations that were not withdrawn count against the budget
    (``Budget.allocated``). Withdrawing (``withdrawn_at``/``withdrawn_by``/``withdrawal_reason``,
    all set together, only on a granted decision — CHECKs) keeps the row: the overview shows it
    as withdrawn, with who, when and why.
    """

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.PROTECT, related_name="allocations"
    )
    provider = models.ForeignKey(
        Provider,
        verbose_name=_("sport provider"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    reference = models.CharField(
        _("reference"),
        max_length=100,
        blank=True,
        help_text=_("The case the decision was made for, e.g. a support question."),
    )
    amount = money_field(_("amount (€)"))
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    rationale = models.TextField(_("rationale"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_on = models.DateField(_("decided on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("withdrawn by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawal_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.CheckConstraint(condition=~Q(rationale=""), name="allocation_has_rationale"),
            models.CheckConstraint(
                condition=Q(provider__isnull=False) | ~Q(reference=""),
                name="allocation_has_recipient",
            ),
            models.CheckConstraint(
                condition=Q(
                    withdrawn_at__isnull=True, withdrawn_by__isnull=True, withdrawal_reason=""
                )
                | (
                    Q(
                        withdrawn_at__isnull=False,
                        withdrawn_by__isnull=False,
                        decision=Decision.GRANTED,
                    )
                    & ~Q(withdrawal_reason="")
                ),
                name="allocation_withdrawal_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recipient}: € {self.amount}"

    @property
    def recipient(self) -> str:
        """To whom, in words: the provider's name, the reference, or both."""
        return " · ".join(str(part) for part in (self.provider, self.reference) if part)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def can_withdraw(self) -> bool:
        return self.decision == Decision.GRANTED and not self.is_withdrawn

    @property
    def status_label(self) -> str:
        """The decision as the overview shows it: granted, rejected or withdrawn."""
        return str(_("Withdrawn")) if self.is_withdrawn else self.get_decision_display()
