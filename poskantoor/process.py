"""Reads of the versioned process definition: the step rules, the basic conditions'
thresholds and the guideline's norms an office works under (the last two through
``poskantoor.conditions``).

Seed 000 calls the handreiking and its guideline "een levend document"; POS staff change them
as a new version (draft, then published), and every office keeps the version it started under
until POS moves it over (``services.office_move_to_version``). Code reads the numbers here,
never from constants.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import F, Q

from .constants import VersionStatus
from .deadlines import ProcessRules, StepRule
from .models import ProcessStepRule, ProcessVersion

if TYPE_CHECKING:
    from .models import PosOffice


def _rule(row: ProcessStepRule) -> StepRule:
    return StepRule(
        code=row.code,
        position=row.position,
        owner=row.owner,
        amount=row.amount,
        unit=row.unit,
        counts_from=row.counts_from,
        counts_from_moment=row.counts_from_moment,
        applies_to=row.applies_to,
    )


def version_rules(version_id: int) -> ProcessRules:
    """The step rules of a version in its order (one query)."""
    rows = ProcessStepRule.objects.filter(version_id=version_id).order_by("position")
    return ProcessRules(steps=tuple(_rule(row) for row in rows))


def rules_by_version(version_ids: set[int]) -> dict[int, ProcessRules]:
    """The rules of several versions at once (one query), for lists and the dashboard."""
    grouped: dict[int, list[StepRule]] = {pk: [] for pk in version_ids}
    for row in ProcessStepRule.objects.filter(version_id__in=version_ids).order_by("position"):
        grouped[row.version_id].append(_rule(row))
    return {pk: ProcessRules(steps=tuple(rules)) for pk, rules in grouped.items()}


def published_rules() -> tuple[dict[int, ProcessRules], int | None]:
    """The rules of every published version by version id, and the newest one's id (one
    query; offices only ever work under published versions)."""
    grouped: dict[int, list[StepRule]] = {}
    numbers: dict[int, int] = {}
    rows = ProcessStepRule.objects.filter(version__status=VersionStatus.PUBLISHED).order_by(
        "position"
    )
    for row in rows.annotate(number=F("version__number")):
        grouped.setdefault(row.version_id, []).append(_rule(row))
        numbers[row.version_id] = row.number
    newest = max(numbers, key=numbers.__getitem__) if numbers else None
    return {pk: ProcessRules(steps=tuple(rules)) for pk, rules in grouped.items()}, newest


def office_rules(office: PosOffice) -> ProcessRules:
    return version_rules(office.process_version_id)


def version_in_force(at: dt.datetime) -> ProcessVersion | None:
    """The version an office registered at ``at`` starts under: the newest one published
    before that moment; the first published version for a registration older than all."""
    published = ProcessVersion.objects.filter(status=VersionStatus.PUBLISHED)
    return (
        published.filter(Q(published_at__lte=at)).order_by("-number").first()
        or published.order_by("number").first()
    )
