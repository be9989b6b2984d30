"""Desk quality criteria (seed 002), computed set-based for any number of desks.

Lives in ``meetings`` because the criteria read providers, contact moments and subsidies'
budgets, and the core (``sportloket``) may import none of them. ``desk_criteria`` runs a fixed
number of queries (nine) whatever the number of desks.

The computed rules:

* recognised — the desk's partners with a signed declaration of intent include a local sport
  platform (the providers' representative), a municipality department and a sport federation,
  and a sportbedrijf when one exists in the desk's area ("indien aanwezig");
* proactive contact — at least ``SPORTLOKET_CONTACT_SHARE_PERCENT`` % of the active providers
  in the area had a contact moment with the desk in the last 12 months (none in the area: not met);
* budgets — budgets of all three kinds (execution, services, other funds) for the current year;
* quality systems — the desk has club supporters and every one of them works for an
  organisation that takes part in SPN, ASK, KSS or LAB;
* network overview — at least one active provider in the area, one club supporter, one
  federation partner and one sport platform partner are registered;
* declarations — the desk has partners and every partner signed a declaration of intent.

The other criteria (``MANUAL_CRITERIA``) are met when a club supporter ticked them with evidence.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Count, F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.models import ContactMoment
from providers.constants import ProviderStatus
from sportloket.constants import OrganisationType, Role
from sportloket.models import Desk, DeskPartner, Organisation, StaffProfile
from subsidies.constants import BudgetKind
from subsidies.models import Budget

from .constants import MANUAL_CRITERIA, Criterion
from .models import DeskCriterionTick

# Sportakkoord II: at least 100 desks meet the criteria.
SPORTAKKOORD_DESK_TARGET = 100

RECOGNISING_TYPES = {
    OrganisationType.SPORT_PLATFORM: gettext_lazy("a sport platform (on behalf of providers)"),
    OrganisationType.MUNICIPALITY: gettext_lazy("a municipality"),
    OrganisationType.FEDERATION: gettext_lazy("a sport federation"),
}


@dataclass(frozen=True)
class CriterionResult:
    criterion: Criterion
    met: bool
    computed: bool
    missing: str = ""
    tick: DeskCriterionTick | None = None

    @property
    def label(self) -> str:
        return str(self.criterion.label)


@dataclass(frozen=True)
class DeskQuality:
    desk: Desk
    results: list[CriterionResult]

    @property
    def met_count(self) -> int:
        return sum(r.met for r in self.results)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def all_met(self) -> bool:
        return self.met_count == self.total


def _join(names: list[str]) -> str:
    return ", ".join(str(n) for n in names)


def desk_criteria(desks: Iterable[Desk], *, on: dt.date) -> list[DeskQuality]:
    """The criteria of each desk on a day, in the order of ``desks``."""
    desks = list(desks)
    ids = [d.pk for d in desks]
    since = on - relativedelta(months=12)

    partners: dict[int, list[tuple[str, dt.date | None]]] = defaultdict(list)
    for row in DeskPartner.objects.filter(desk_id__in=ids).values_list(
        "desk_id", "organisation__type", "declaration_signed_on"
    ):
        partners[row[0]].append((row[1], row[2]))

    desk_municipalities: dict[int, set[int]] = defaultdict(set)
    for desk_id, municipality_id in Desk.municipalities.through.objects.filter(
        desk_id__in=ids
    ).values_list("desk_id", "municipality_id"):
        desk_municipalities[desk_id].add(municipality_id)
    all_municipalities = set().union(*desk_municipalities.values()) if ids else set()
    with_sportbedrijf = set(
        Organisation.objects.filter(
            type=OrganisationType.SPORTBEDRIJF, municipality_id__in=all_municipalities
        ).values_list("municipality_id", flat=True)
    )

    providers_total = dict(
        Desk.objects.filter(pk__in=ids)
        .annotate(
            n=Count(
                "municipalities__providers",
                filter=Q(
                    municipalities__providers__status=ProviderStatus.ACTIVE,
                    municipalities__providers__erased_at__isnull=True,
                ),
                distinct=True,
            )
        )
        .values_list("pk", "n")
    )
    contacted = dict(
        ContactMoment.objects.filter(
            desk_id__in=ids,
            date__gte=since,
            date__lte=on,
            provider__status=ProviderStatus.ACTIVE,
            provider__erased_at__isnull=True,
            provider__municipality__desks=F("desk"),
        )
        .values("desk_id")
        .annotate(n=Count("provider_id", distinct=True))
        .values_list("desk_id", "n")
    )

    budget_kinds: dict[int, set[str]] = defaultdict(set)
    for desk_id, kind in (
        Budget.objects.filter(desk_id__in=ids, year=on.year)
        .values_list("desk_id", "kind")
        .distinct()
    ):
        budget_kinds[desk_id].add(kind)

    in_system = (
        Q(organisation__in_spn=True)
        | Q(organisation__in_ask=True)
        | Q(organisation__in_kss=True)
        | Q(organisation__in_lab=True)
    )
    supporters = {
        row["desk_id"]: (row["total"], row["certified"])
        for row in StaffProfile.objects.filter(desk_id__in=ids, role=Role.CLUB_SUPPORTER)
        .values("desk_id")
        .annotate(total=Count("pk"), certified=Count("pk", filter=in_system))
    }

    ticks: dict[int, dict[str, DeskCriterionTick]] = defaultdict(dict)
    for tick in DeskCriterionTick.objects.filter(desk_id__in=ids):
        ticks[tick.desk_id][tick.criterion] = tick

    result = []
    for desk in desks:
        facts = _Facts(
            partners=partners[desk.pk],
            sportbedrijf_in_area=bool(desk_municipalities[desk.pk] & with_sportbedrijf),
            providers=providers_total.get(desk.pk, 0),
            contacted=contacted.get(desk.pk, 0),
            budget_kinds=budget_kinds[desk.pk],
            supporters=supporters.get(desk.pk, (0, 0)),
        )
        results = [
            _recognised(facts),
            _proactive_contact(facts),
            _budgets(facts),
            _quality_systems(facts),
            _network_overview(facts),
            _declarations(facts),
        ]
        for criterion in Criterion:
            if criterion in MANUAL_CRITERIA:
                tick = ticks[desk.pk].get(criterion.value)
                results.append(
                    CriterionResult(
                        criterion=criterion,
                        met=tick is not None,
                        computed=False,
                        missing="" if tick else _("Not ticked yet: add the evidence and date."),
                        tick=tick,
                    )
                )
        result.append(DeskQuality(desk=desk, results=results))
    return result


@dataclass(frozen=True)
class _Facts:
    partners: list[tuple[str, dt.date | None]]
    sportbedrijf_in_area: bool
    providers: int
    contacted: int
    budget_kinds: set[str]
    supporters: tuple[int, int]

    @property
    def signed_types(self) -> set[str]:
        return {kind for kind, signed in self.partners if signed is not None}

    @property
    def partner_types(self) -> set[str]:
        return {kind for kind, _signed in self.partners}


def _result(criterion: Criterion, missing: list[str] | str) -> CriterionResult:
    text = _join(missing) if isinstance(missing, list) else missing
    return CriterionResult(criterion=criterion, met=not text, computed=True, missing=text)


def _recognised(facts: _Facts) -> CriterionResult:
    required = dict(RECOGNISING_TYPES)
    if facts.sportbedrijf_in_area:
        required[OrganisationType.SPORTBEDRIJF] = _("the sportbedrijf")
    lacking = [label for kind, label in required.items() if kind not in facts.signed_types]
    if not lacking:
        return _result(Criterion.RECOGNISED, "")
    return _result(
        Criterion.RECOGNISED,
        _("No partner with a signed declaration of intent: %(parties)s.")
        % {"parties": _join(lacking)},
    )


def contact_share_met(*, providers: int, contacted: int) -> bool:
    """At least the configured percentage of the area's providers; an empty area is not met."""
    percent = settings.SPORTLOKET_CONTACT_SHARE_PERCENT
    return providers > 0 and contacted * 100 >= percent * providers


def _proactive_contact(facts: _Facts) -> CriterionResult:
    if contact_share_met(providers=facts.providers, contacted=facts.contacted):
        return _result(Criterion.PROACTIVE_CONTACT, "")
    if facts.providers == 0:
        return _result(Criterion.PROACTIVE_CONTACT, _("No active providers in the area yet."))
    return _result(
        Criterion.PROACTIVE_CONTACT,
        _(
            "%(contacted)s of %(total)s providers contacted in the last 12 months; "
            "at least %(percent)s %% needed."
        )
        % {
            "contacted": facts.contacted,
            "total": facts.providers,
            "percent": settings.SPORTLOKET_CONTACT_SHARE_PERCENT,
        },
    )


def _budgets(facts: _Facts) -> CriterionResult:
    lacking = [str(kind.label) for kind in BudgetKind if kind.value not in facts.budget_kinds]
    if not lacking:
        return _result(Criterion.BUDGETS, "")
    return _result(
        Criterion.BUDGETS,
        _("No budget registered this year: %(kinds)s.") % {"kinds": _join(lacking)},
    )


def _quality_systems(facts: _Facts) -> CriterionResult:
    total, certified = facts.supporters
    if total == 0:
        return _result(Criterion.QUALITY_SYSTEMS, _("The desk has no club supporters yet."))
    if certified < total:
        return _result(
            Criterion.QUALITY_SYSTEMS,
            _(
                "%(count)s of %(total)s club supporters work for an organisation outside "
                "SPN/ASK/KSS/LAB."
            )
            % {"count": total - certified, "total": total},
        )
    return _result(Criterion.QUALITY_SYSTEMS, "")


def _network_overview(facts: _Facts) -> CriterionResult:
    lacking = []
    if facts.providers == 0:
        lacking.append(_("providers"))
    if facts.supporters[0] == 0:
        lacking.append(_("club supporters"))
    if OrganisationType.FEDERATION not in facts.partner_types:
        lacking.append(_("participating sport federations"))
    if OrganisationType.SPORT_PLATFORM not in facts.partner_types:
        lacking.append(_("sport platforms"))
    if not lacking:
        return _result(Criterion.NETWORK_OVERVIEW, "")
    return _result(
        Criterion.NETWORK_OVERVIEW,
        _("Not registered yet: %(items)s.") % {"items": _join(lacking)},
    )


def _declarations(facts: _Facts) -> CriterionResult:
    if not facts.partners:
        return _result(Criterion.DECLARATIONS, _("The desk has no partner organisations yet."))
    unsigned = sum(1 for _kind, signed in facts.partners if signed is None)
    if unsigned:
        return _result(
            Criterion.DECLARATIONS,
            _("%(count)s partner(s) have not signed the declaration of intent.")
            % {"count": unsigned},
        )
    return _result(Criterion.DECLARATIONS, "")


def desks_meeting_all(qualities: list[DeskQuality]) -> int:
    return sum(q.all_met for q in qualities)
