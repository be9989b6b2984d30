"""Reads of the joint decision: the office page's panel and the labels the dashboard and the
CSV show."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from ..constants import Decision, OfficeStatus, StepCode
from ..models import PosOffice
from .constants import CONDITION_NAMES, DecisionSide, ProposalStatus
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


def condition_names(keys: Iterable[str]) -> str:
    return ", ".join(str(CONDITION_NAMES.get(key, key)) for key in keys)


def decision_labels(office_ids: Iterable[int]) -> dict[int, str]:
    """{office id: the latest GO / NO-GO in words} for the dashboard and the CSV, in one
    query: a confirmed decision with its date (a GO with unmet basic conditions also names
    them and the reason), or the open one that waits for the other side."""
    labels: dict[int, str] = {}
    proposals = (
        DecisionProposal.objects.filter(
            office_id__in=list(office_ids),
            status__in=[ProposalStatus.OPEN, ProposalStatus.CONFIRMED],
        )
        .order_by("office_id", "-decided_on", "-pk")
        .only(
            "office_id",
            "decision",
            "decided_on",
            "status",
            "side",
            "unmet_conditions",
            "conditions_reason",
        )
    )
    names = dict(Decision.choices)
    for proposal in proposals:
        if proposal.office_id in labels:
            continue
        label = _("%(decision)s (%(date)s)") % {
            "decision": names[proposal.decision],
            "date": proposal.decided_on.strftime("%d-%m-%Y"),
        }
        if proposal.status == ProposalStatus.OPEN:
            label = _("%(label)s, awaiting %(side)s") % {
                "label": label,
                "side": DecisionSide(proposal.other_side).label,
            }
        if proposal.unmet_conditions:
            label = _("%(label)s; basic conditions not met: %(names)s; reason: %(reason)s") % {
                "label": label,
                "names": condition_names(proposal.unmet_conditions),
                "reason": proposal.conditions_reason,
            }
        labels[proposal.office_id] = label
    return labels
