"""The numbers behind the basic conditions (seed 000 §6.1) and the guideline (seed 000 §4).

Every reader asks ``thresholds_for(office)`` / ``guideline_norms_for(office)`` instead of using
a constant: the figures come from the process definition (``ProcessVersion``) the office works
under. The handreiking's values below are version 1's (its data migration) and what applies
where there is no office; figures a version does not hold stay the handreiking's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .models import PosOffice, ProcessVersion


@dataclass(frozen=True)
class ConditionThresholds:
    """Seed 000 §6.1 "Basisvoorwaarden".

    - "Draagvlak bestaande uit minimaal 1 professional van de gemeente/het sportbedrijf en 2
      ondernemers": ``min_professionals``, ``min_enterprises``;
    - "Gemeente/sportbedrijf is bereid om professionele inzet te leveren voor minimaal 2 uur per
      week … voor minimaal 2 jaar": ``professional_hours_per_week``, ``commitment_years``;
    - "Minimaal 2 ondernemers zijn bereid om per onderneming minimaal 2 uur per week te
      investeren in het POS-kantoor voor minimaal 2 jaar": ``min_enterprises``,
      ``enterprise_hours_per_week``, ``commitment_years``;
    - "De sportondernemers in de gemeente zijn in kaart gebracht": the municipality states it,
      with at least ``min_mapped_entrepreneurs`` active entrepreneur in the registry.
    """

    min_professionals: int
    min_enterprises: int
    professional_hours_per_week: Decimal
    enterprise_hours_per_week: Decimal
    commitment_years: int
    min_mapped_entrepreneurs: int

    def commitment_lasts(self, start: dt.date, end: dt.date) -> bool:
        """ "minimaal 2 jaar", counting the last day: 1 January 2026 to 31 December 2027 is two
        years, 30 December 2027 is not."""
        return end >= start + relativedelta(years=self.commitment_years) - dt.timedelta(days=1)


@dataclass(frozen=True)
class GuidelineNorms:
    """Seed 000 §4 "Basisrichtlijn POS-kantoor" (per calendar year): "Bijeenkomsten per jaar
    3", "Waarvan met sociaal domein 1", "Aantal ondernemers 8+", "Beleidsmaker is minimaal 2x
    per jaar bij POS-bijeenkomsten", and "Inzet professionele ondersteuning … 4 uur per week
    (0,11FTE)"."""

    meetings: int
    social_domain_meetings: int
    entrepreneurs: int
    policy_maker_meetings: int
    presentations: int
    support_hours: Decimal
    entrepreneurs_reached: int


HANDREIKING_THRESHOLDS = ConditionThresholds(
    min_professionals=1,
    min_enterprises=2,
    professional_hours_per_week=Decimal(2),
    enterprise_hours_per_week=Decimal(2),
    commitment_years=2,
    min_mapped_entrepreneurs=1,
)

HANDREIKING_NORMS = GuidelineNorms(
    meetings=3,
    social_domain_meetings=1,
    entrepreneurs=8,
    policy_maker_meetings=2,
    presentations=1,
    support_hours=Decimal(4),
    entrepreneurs_reached=1,
)


def _version(office: PosOffice | None) -> ProcessVersion | None:
    if office is None or office.process_version_id is None:
        return None
    return office.process_version  # cached on the office: lists load it with the offices


def with_versions(offices: list[PosOffice]) -> list[PosOffice]:
    """Load the process versions of ``offices`` in one query (none when already loaded), so
    reading their thresholds and norms in a loop runs no query per office."""
    missing = [o for o in offices if not PosOffice.process_version.is_cached(o)]
    versions = ProcessVersion.objects.in_bulk({o.process_version_id for o in missing} - {None})
    for office in missing:
        if office.process_version_id is not None:
            office.process_version = versions[office.process_version_id]
    return offices


def thresholds_for(office: PosOffice | None) -> ConditionThresholds:
    """The basic conditions' thresholds that apply to ``office``: its process version's."""
    version = _version(office)
    if version is None:
        return HANDREIKING_THRESHOLDS
    return replace(
        HANDREIKING_THRESHOLDS,
        min_enterprises=version.entrepreneurs,
        professional_hours_per_week=version.professional_hours_per_week,
        enterprise_hours_per_week=version.hours_per_enterprise,
        commitment_years=version.commitment_years,
    )


def guideline_norms_for(office: PosOffice | None) -> GuidelineNorms:
    """The guideline's yearly norms that apply to ``office``: its process version's."""
    version = _version(office)
    if version is None:
        return HANDREIKING_NORMS
    return version_guideline_norms(
        version.meetings_per_year, version.social_domain_meetings_per_year, version.network_size
    )


# The process version's fields ``version_guideline_norms`` takes, in its order: a list that
# reads many offices as values (the national dashboard) selects them through the office.
VERSION_NORM_FIELDS = ("meetings_per_year", "social_domain_meetings_per_year", "network_size")


def version_guideline_norms(
    meetings_per_year: int | None, social_domain_meetings_per_year: int, network_size: int
) -> GuidelineNorms:
    """The guideline's norms of a process version from its three figures; the handreiking's
    when there is no version (``meetings_per_year`` None: an office without one)."""
    if meetings_per_year is None:
        return HANDREIKING_NORMS
    return replace(
        HANDREIKING_NORMS,
        meetings=meetings_per_year,
        social_domain_meetings=social_domain_meetings_per_year,
        entrepreneurs=network_size,
    )
