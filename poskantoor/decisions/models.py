"""Models of the joint decision; imported by ``poskantoor.models`` so Django finds them."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..constants import Decision
from .constants import DecisionSide, ProposalStatus


def person_name(user) -> str:
    """A user's name for the record; "?" once the account is gone (SET_NULL)."""
    if user is None:
        return "?"
    return user.get_full_name() or user.get_username()


class DecisionProposal(models.Model):
    """A GO / NO-GO recorded by one side, which takes effect only when the other side confirms
    it (seed 000 §6 stap 3: "Deze lokale kerngroep en POS besluiten gezamenlijk").

    ``step`` is the step-3 attempt the decision is about; at most one proposal per attempt is
    open at a time (a constraint). A GO recorded while basic conditions are unmet keeps which
    ones (``unmet_conditions``, condition keys) and the written ``conditions_reason``.
    """

    office = models.ForeignKey(
        "poskantoor.PosOffice",
        verbose_name=_("POS office"),
        on_delete=models.CASCADE,
        related_name="decision_proposals",
    )
    step = models.ForeignKey(
        "poskantoor.FoundingStep",
        verbose_name=_("founding step"),
        on_delete=models.CASCADE,
        related_name="decision_proposals",
    )
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    decided_on = models.DateField(_("decided on"))
    reason = models.TextField(_("explanation"), blank=True, max_length=4000)
    unmet_conditions = models.JSONField(_("basic conditions not met"), default=list, blank=True)
    conditions_reason = models.TextField(
        _("reason to go ahead with unmet basic conditions"), blank=True, max_length=4000
    )
    side = models.CharField(_("recorded by side"), max_length=12, choices=DecisionSide.choices)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("recorded at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.OPEN
    )
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    responded_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    objection_reason = models.TextField(_("reason for the objection"), blank=True, max_length=4000)
    evidence_type = models.ForeignKey(
        ContentType, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    evidence_id = models.CharField(max_length=64, blank=True)
    evidence = GenericForeignKey("evidence_type", "evidence_id")

    class Meta:
        verbose_name = _("GO / NO-GO decision")
        verbose_name_plural = _("GO / NO-GO decisions")
        ordering = ["office", "-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "step"],
                condition=Q(status=ProposalStatus.OPEN),
                name="one_open_decision_proposal_per_attempt",
                violation_error_message=_(
                    "A decision about this kartrekkers meeting is already awaiting an answer."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status=ProposalStatus.OPEN, responded_at__isnull=True)
                | (~Q(status=ProposalStatus.OPEN) & Q(responded_at__isnull=False)),
                name="decision_proposal_answered_iff_closed",
            ),
            models.CheckConstraint(
                condition=~Q(status=ProposalStatus.OBJECTED) | ~Q(objection_reason=""),
                name="decision_objection_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(decision=Decision.NO_GO_STOP) | ~Q(reason=""),
                name="decision_stop_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.office}: {self.get_decision_display()} ({self.get_status_display()})"

    @property
    def other_side(self) -> str:
        return DecisionSide.MUNICIPALITY if self.side == DecisionSide.POS else DecisionSide.POS

    @property
    def proposer_name(self) -> str:
        return person_name(self.proposed_by)

    @property
    def responder_name(self) -> str:
        return person_name(self.responded_by)

    def taken_by(self, side: str):
        """The user who took the decision for ``side`` (recorded it or confirmed it)."""
        if self.side == side:
            return self.proposed_by
        return self.responded_by if self.status == ProposalStatus.CONFIRMED else None


class MappingStatement(models.Model):
    """The municipality's statement that "De sportondernemers in de gemeente zijn in kaart
    gebracht" (seed 000 §6.1, "Sportondernemers in beeld"), with the number of active sport
    entrepreneurs in the registry at that moment as evidence. The latest one counts."""

    office = models.ForeignKey(
        "poskantoor.PosOffice",
        verbose_name=_("POS office"),
        on_delete=models.CASCADE,
        related_name="mapping_statements",
    )
    stated_on = models.DateField(_("mapped on"))
    registered_count = models.PositiveIntegerField(_("active sport entrepreneurs registered"))
    note = models.TextField(_("how the entrepreneurs were mapped"), blank=True, max_length=4000)
    stated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("stated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("statement: entrepreneurs mapped")
        verbose_name_plural = _("statements: entrepreneurs mapped")
        ordering = ["office", "-stated_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.office}: {self.stated_on}"
