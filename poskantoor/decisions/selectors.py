"""Reads of the joint decision: the office page's panel and the labels the dashboard and the
CSV show."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
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
    """An annotation of an office queryset with the fields of its latest GO / NO-GO
    (confirmed, or open and waiting for the other side) as one JSON object, ``go_latest``:
    the dashboard reads it in the query that lists the offices, so showing the decision costs
    no query of its own. One subquery per office, not one per field (six correlated subplans
    per office made the dashboard's office query three times slower on PostgreSQL)."""
    latest = DecisionProposal.objects.filter(
        office=OuterRef("pk"), status__in=[ProposalStatus.OPEN, ProposalStatus.CONFIRMED]
    ).order_by("-decided_on", "-pk")
    fields = JSONObject(**{name: name for name in DECISION_FIELDS})
    return {"go_latest": Subquery(latest.values(go=fields)[:1], output_field=JSONField())}


def _json(value):
    """A JSON value read through a subquery: decoded already, or still text on some backends."""
    return json.loads(value) if isinstance(value, str) else value


def decision_label(go_latest: dict | str | None) -> str:
    """The latest GO / NO-GO of an office, the ``go_latest`` value that
    ``latest_decision_annotations`` adds, in words: the decision and its date, "awaiting" the
    other side while open, and for a GO despite unmet basic conditions which ones and the
    written reason. "" when none."""
    latest = _json(go_latest)
    if not latest or not latest["decision"]:
        return ""
    label = _("%(decision)s (%(date)s)") % {
        "decision": Decision(latest["decision"]).label,
        "date": dt.date.fromisoformat(latest["decided_on"][:10]).strftime("%d-%m-%Y"),
    }
    if latest["status"] == ProposalStatus.OPEN:
        other = (
            DecisionSide.MUNICIPALITY if latest["side"] == DecisionSide.POS else DecisionSide.POS
        )
        label = _("%(label)s, awaiting %(side)s") % {"label": label, "side": other.label}
    unmet = _json(latest["unmet_conditions"])
    if unmet:
        label = _("%(label)s; basic conditions not met: %(names)s; reason: %(reason)s") % {
            "label": label,
            "names": condition_names(unmet),
            "reason": latest["conditions_reason"],
        }
    return label
