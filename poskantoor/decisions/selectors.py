"""Reads of the joint decision: the office page's panel and the labels the dashboard and the
CSV show."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext as _

from ..constants import Decision, OfficeStatus, StepCode
from ..models import PosOffice
from .constants import DecisionSide, ProposalStatus, condition_names
from .models import DecisionProposal, MappingStatement
from .services import side_of


@dataclass
class DecisionPanel:
    side: str | None
    open: DecisionProposal | None
    history: list[DecisionProposal] = field(default_factory=list)
    can_propose: bool = False
    can_answer: bool = False
    can_state_mapping: bool = False
    mapping: MappingStatement | None = None


def proposals_of(office: PosOffice) -> list[DecisionProposal]:
    return list(
        DecisionProposal.objects.filter(office=office)
        .select_related("proposed_by", "responded_by", "step")
        .order_by("-proposed_at", "-pk")
    )


def decision_panel(*, office: PosOffice, user: AbstractBaseUser) -> DecisionPanel:
    """What the office page shows and offers about the GO / NO-GO (2 queries)."""
    side = side_of(user=user, office=office)
    proposals = proposals_of(office)
    open_proposal = next((p for p in proposals if p.status == ProposalStatus.OPEN), None)
    at_step_3 = office.is_open and office.current_step == StepCode.KARTREKKERS
    return DecisionPanel(
        side=side,
        open=open_proposal,
        history=proposals,
        can_propose=side is not None and at_step_3 and open_proposal is None,
        can_answer=open_proposal is not None and side is not None and side != open_proposal.side,
        can_state_mapping=side == DecisionSide.MUNICIPALITY
        and office.status != OfficeStatus.STOPPED,
        mapping=office.mapping_statements.order_by("-stated_on", "-pk").first(),
    )


DECISION_FIELDS = (
    "decision",
    "decided_on",
    "status",
    "side",
    "unmet_conditions",
    "conditions_reason",
)


def latest_decision_annotations() -> dict[str, Subquery]:
    """Annotations of an office queryset with the fields of its latest GO / NO-GO (confirmed,
    or open and waiting for the other side), named ``go_<field>``: the dashboard reads them in
    the query that lists the offices, so showing the decision costs no query of its own."""
    latest = DecisionProposal.objects.filter(
        office=OuterRef("pk"), status__in=[ProposalStatus.OPEN, ProposalStatus.CONFIRMED]
    ).order_by("-decided_on", "-pk")
    return {f"go_{name}": Subquery(latest.values(name)[:1]) for name in DECISION_FIELDS}


def decision_label(office: PosOffice) -> str:
    """The latest GO / NO-GO of an office annotated by ``latest_decision_annotations``, in
    words: the decision and its date, "awaiting" the other side while open, and for a GO
    despite unmet basic conditions which ones and the written reason. "" when none."""
    decision = getattr(office, "go_decision", None)
    if not decision:
        return ""
    label = _("%(decision)s (%(date)s)") % {
        "decision": Decision(decision).label,
        "date": office.go_decided_on.strftime("%d-%m-%Y"),
    }
    if office.go_status == ProposalStatus.OPEN:
        other = (
            DecisionSide.MUNICIPALITY if office.go_side == DecisionSide.POS else DecisionSide.POS
        )
        label = _("%(label)s, awaiting %(side)s") % {"label": label, "side": other.label}
    unmet = office.go_unmet_conditions
    if isinstance(unmet, str):  # a JSON column read through a subquery on some backends
        unmet = json.loads(unmet)
    if unmet:
        label = _("%(label)s; basic conditions not met: %(names)s; reason: %(reason)s") % {
            "label": label,
            "names": condition_names(unmet),
            "reason": office.go_conditions_reason,
        }
    return label
