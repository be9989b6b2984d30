"""The POS guideline check (basisrichtlijn, seed 000 §4) per office per calendar year.

Computed for a whole set of offices in a fixed number of queries, so the POS staff office list
can show it in a column. Thresholds and their readings:

- meetings: at least 3 meetings *held* in the year by the office with its network of
  entrepreneurs: not the introduction call, the kartrekkers meeting or the core group's start
  sessions (``NOT_NETWORK_MEETING_KINDS``);
- social domain: at least 1 of them with someone of the social domain present ("Zorg & Welzijn
  | Participatie": a participation organisation counts);
- entrepreneurs: at least 8 distinct sport entrepreneurs in the network — entrepreneurs present
  at a held meeting of the year, together with the entrepreneurs of the core group whose
  commitment runs in that year;
- policy maker: present at at least 2 of these meetings;
- presentation: the municipality presented its target groups and themes at at least 1 of these
  meetings (a flag on the meeting);
- professional support: at least 4 hours a week (0.11 FTE) from the core group's municipality
  and sportbedrijf members whose commitment runs in that year;
- subsidies: at least 1 sport entrepreneur of the municipality reached with a scheme in the year
  (``subsidies.selectors``), the plain reading of "available and actively shared".

For one office (its page) every figure is counted live. For many offices (the national
dashboard, the POS office list) the subsidies figure of the current year comes from the
``EntrepreneursReachedStat`` rollup (rebuilt every 15 minutes; ``Guideline.as_of`` says when),
because counting it means grouping every share of the year; the other figures stay live.

The thresholds are the office's: ``poskantoor.conditions.guideline_norms_for``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from poskantoor.conditions import GuidelineNorms, guideline_norms_for, with_versions
from poskantoor.constants import PROFESSIONAL_KINDS, MemberKind
from poskantoor.models import CoreGroupMember, PosOffice
from sportloket.formatting import format_hours_per_week, format_number
from subsidies.selectors import entrepreneurs_reached, shares_per_municipality

from ..models import Attendee, EntrepreneursReachedStat, Meeting
from .constants import NOT_NETWORK_MEETING_KINDS, MeetingStatus
from .services import year_bounds


class OfficeLike(Protocol):
    """What the guideline check reads of an office: a ``PosOffice`` or a row read as values."""

    pk: int
    municipality_id: int
    process_version_id: int | None


@dataclass(frozen=True)
class Norm:
    key: str
    title: str
    value: int | Decimal
    threshold: int | Decimal

    @property
    def met(self) -> bool:
        return self.value >= self.threshold


@dataclass(frozen=True)
class Guideline:
    year: int
    norms: tuple[Norm, ...]
    # When the subsidies figure was counted, if it came from the rollup; None: live.
    as_of: dt.datetime | None = None

    @property
    def met_count(self) -> int:
        return sum(norm.met for norm in self.norms)

    @property
    def all_met(self) -> bool:
        return all(norm.met for norm in self.norms)

    def norm(self, key: str) -> Norm:
        return next(norm for norm in self.norms if norm.key == key)


# The norms in the order the guideline lists them.
KEYS = (
    "meetings",
    "social_domain",
    "entrepreneurs",
    "policy_maker",
    "presentation",
    "support_hours",
    "subsidies",
)
# A full-time week in the municipal collective agreement: 4 hours a week is 0,11 FTE (seed 000).
FULL_TIME_HOURS = Decimal(36)


def norm_title(key: str, threshold: int | Decimal) -> str:
    """A norm in words with the number the office's process version sets (``thresholds``), so
    a version that asks 4 meetings says "at least 4", never the handreiking's 3."""
    count = int(threshold) if key != "support_hours" else 0
    if key == "meetings":
        text = ngettext(
            "At least %(count)d meeting a year", "At least %(count)d meetings a year", count
        )
    elif key == "social_domain":
        text = ngettext(
            "Of which at least %(count)d with the social domain",
            "Of which at least %(count)d with the social domain",
            count,
        )
    elif key == "entrepreneurs":
        text = ngettext(
            "At least %(count)d entrepreneur in the network",
            "At least %(count)d entrepreneurs in the network",
            count,
        )
    elif key == "policy_maker":
        text = ngettext(
            "A policy maker at at least %(count)d meeting",
            "A policy maker at at least %(count)d meetings",
            count,
        )
    elif key == "presentation":
        text = ngettext(
            "The municipality presents its target groups and themes at least %(count)d time a year",
            "The municipality presents its target groups and themes at least %(count)d times "
            "a year",
            count,
        )
    elif key == "support_hours":
        fte = format_number(Decimal(threshold) / FULL_TIME_HOURS, 2)
        return _("Professional support of %(hours)s (%(fte)s FTE)") % {
            "hours": format_hours_per_week(threshold),
            "fte": fte,
        }
    else:
        text = ngettext(
            "Subsidies available and actively shared with at least %(count)d entrepreneur",
            "Subsidies available and actively shared with at least %(count)d entrepreneurs",
            count,
        )
    return text % {"count": count}


def thresholds(norms: GuidelineNorms) -> dict[str, int | Decimal]:
    """{norm key: threshold} of one office's norms."""
    return {
        "meetings": norms.meetings,
        "social_domain": norms.social_domain_meetings,
        "entrepreneurs": norms.entrepreneurs,
        "policy_maker": norms.policy_maker_meetings,
        "presentation": norms.presentations,
        "support_hours": norms.support_hours,
        "subsidies": norms.entrepreneurs_reached,
    }


def reached_per_municipality(*, year: int) -> tuple[dict[int, int], dt.datetime | None]:
    """{municipality id: entrepreneurs reached with a scheme in ``year``} and when it was
    counted: from the rollup when it holds ``year`` (one query, at most 15 minutes old),
    otherwise live (``shares_per_municipality``, one more query) with None."""
    rows = list(
        EntrepreneursReachedStat.objects.filter(year=year).values_list(
            "municipality_id", "reached", "refreshed_at"
        )
    )
    if not rows:
        return shares_per_municipality(year=year), None
    return (
        {municipality_id: reached for municipality_id, reached, _at in rows if reached},
        min(at for _pk, _n, at in rows),
    )


def guidelines_for(offices: Iterable[PosOffice], *, year: int) -> dict[int, Guideline]:
    """{office id: Guideline} for ``offices`` in calendar ``year`` (the dashboard, the office
    list), in five queries; six when the rollup does not hold ``year``."""
    offices = list(offices)
    if not offices:
        return {}
    reached, as_of = reached_per_municipality(year=year)
    return _guidelines(offices, year=year, reached=reached, as_of=as_of)


def guideline_for(office: PosOffice, *, year: int) -> Guideline:
    """The guideline of one office (its page), every figure counted live."""
    reached = {
        office.municipality_id: entrepreneurs_reached(municipality=office.municipality, year=year)
    }
    return _guidelines([office], year=year, reached=reached, as_of=None)[office.pk]


def guidelines_of(
    offices: Sequence[OfficeLike],
    *,
    year: int,
    norms: Mapping[int | None, GuidelineNorms],
    same_offices: QuerySet[PosOffice],
) -> dict[int, Guideline]:
    """{office id: Guideline} of offices read as values rather than model instances (the
    national dashboard: an instance per office cost more than the figures), in five queries.
    ``norms``: the guideline's norms per process version id; ``same_offices``: a queryset of
    the same offices, used as a subquery where a list of hundreds of ids would be sent and
    compiled in each of four queries. The subsidies figure as in ``guidelines_for``."""
    if not offices:
        return {}
    reached, as_of = reached_per_municipality(year=year)
    return _guidelines(
        offices,
        year=year,
        reached=reached,
        as_of=as_of,
        norms_for=lambda office: norms[office.process_version_id],
        ids=same_offices.values("pk"),
    )


def _guidelines(
    offices: Sequence[OfficeLike],
    *,
    year: int,
    reached: dict[int, int],
    as_of: dt.datetime | None,
    norms_for: Callable[[OfficeLike], GuidelineNorms] | None = None,
    ids: QuerySet | None = None,
) -> dict[int, Guideline]:
    """The guidelines of ``offices`` given the subsidies figure per municipality; 4 queries
    (5 when model instances came without their process versions). ``norms_for`` gives an
    office's norms (default: its process version's, ``guideline_norms_for``); ``ids`` selects
    the offices' ids in the database (default: the list of their ids)."""
    if norms_for is None:
        with_versions(offices)
        norms_for = guideline_norms_for
    if ids is None:
        ids = [office.pk for office in offices]
    start, end = year_bounds(year)
    held = Meeting.objects.filter(
        office_id__in=ids, status=MeetingStatus.HELD, starts_at__gte=start, starts_at__lt=end
    )
    network_meetings = held.exclude(kind__in=NOT_NETWORK_MEETING_KINDS)
    counts = {
        row["office_id"]: row
        for row in network_meetings.values("office_id").annotate(
            meetings=Count("pk"),
            social=Count("pk", filter=Q(social_domain_present=True)),
            policy=Count("pk", filter=Q(policy_maker_present=True)),
            presented=Count("pk", filter=Q(municipality_presented=True)),
        )
    }
    network: dict[int, set[int]] = defaultdict(set)
    present = Attendee.objects.filter(
        meeting__in=held,
        present=True,
        provider__isnull=False,
        provider__kind="entrepreneur",
    ).values_list("meeting__office_id", "provider_id")
    for office_id, provider_id in present:
        network[office_id].add(provider_id)
    running = Q(committed_from__lt=end.date(), committed_until__gte=start.date())
    members = CoreGroupMember.objects.filter(running, office_id__in=ids)
    for office_id, provider_id in members.filter(kind=MemberKind.ENTREPRENEUR).values_list(
        "office_id", "provider_id"
    ):
        network[office_id].add(provider_id)
    hours = dict(
        members.filter(kind__in=PROFESSIONAL_KINDS)
        .values("office_id")
        .annotate(hours=Sum("hours_per_week"))
        .values_list("office_id", "hours")
    )
    titles: dict[tuple[str, int | Decimal], str] = {}

    def title(key: str, threshold: int | Decimal) -> str:
        """Worded once per norm and number, not once per office."""
        if (key, threshold) not in titles:
            titles[key, threshold] = norm_title(key, threshold)
        return titles[key, threshold]

    limits_of: dict[int | None, dict[str, int | Decimal]] = {}
    # Offices with the same figures under the same process version share one (immutable)
    # Guideline: most offices of a national list have the same few figures.
    made: dict[tuple, Guideline] = {}
    result = {}
    for office in offices:
        row = counts.get(office.pk, {})
        values = {
            "meetings": row.get("meetings", 0),
            "social_domain": row.get("social", 0),
            "entrepreneurs": len(network.get(office.pk, ())),
            "policy_maker": row.get("policy", 0),
            "presentation": row.get("presented", 0),
            "support_hours": hours.get(office.pk) or Decimal(0),
            "subsidies": reached.get(office.municipality_id, 0),
        }
        key = (office.process_version_id, *values.values())
        guideline = made.get(key)
        if guideline is None:
            # The norms are the process version's: looked up once per version.
            limits = limits_of.get(office.process_version_id)
            if limits is None:
                limits = thresholds(norms_for(office))
                limits_of[office.process_version_id] = limits
            guideline = made[key] = Guideline(
                year=year,
                norms=tuple(
                    Norm(name, title(name, limits[name]), values[name], limits[name])
                    for name in KEYS
                ),
                as_of=as_of,
            )
        result[office.pk] = guideline
    return result
