"""The numbers behind the basic conditions (seed 000 §6.1) and the guideline (seed 000 §4).

Every reader asks ``thresholds_for(office)`` / ``guideline_norms_for(office)`` instead of using
a constant, so the figures can come from the process definition the office was started under
without touching the code that applies them. Today both return the handreiking's values.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from dateutil.relativedelta import relativedelta

from .models import PosOffice


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


def thresholds_for(office: PosOffice | None) -> ConditionThresholds:
    """The basic conditions' thresholds that apply to ``office``. No query."""
    return HANDREIKING_THRESHOLDS


def guideline_norms_for(office: PosOffice | None) -> GuidelineNorms:
    """The guideline's yearly norms that apply to ``office``. No query."""
    return HANDREIKING_NORMS
