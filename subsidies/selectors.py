"""Reads of subsidies: matching schemes to providers, the sharing log, budgets, transparency.

Matching rules (each criterion must hold; a scheme leaves a criterion open by leaving it empty):
- the scheme is open: active, and today lies within its open period;
- kind: the provider's kind may apply;
- target groups: the scheme has none, or shares at least one with the provider;
- themes: the scheme has none, or shares at least one with the provider's derived themes
  (see ``provider_themes``).
Best first: more shared target groups (a specific scheme beats a generic one), then more
shared themes, then closing soonest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import (
    Case,
    Count,
    Exists,
    Expression,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from providers.constants import SAFETY_BASICS, ProviderKind, ProviderStatus, SafetyStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import Desk, Municipality, TargetGroup, Theme
from sportloket.selectors import user_scope

from .constants import (
    THEME_INCLUSION,
    THEME_SAFETY,
    THEME_SKILLS,
    THEME_VITAL,
    YOUTH_TARGET_GROUP,
)
from .models import KIND_FIELDS, Allocation, Budget, EntrepreneurReach, Scheme, SchemeShare


@dataclass
class Match:
    scheme: Scheme
    score: int
    reasons: list[str] = field(default_factory=list)


@dataclass
class ProviderMatch:
    provider: Provider
    score: int
    reasons: list[str] = field(default_factory=list)


# --- Schemes ----------------------------------------------------------------------------------


def open_q(on: dt.date) -> Q:
    return (
        Q(active=True)
        & (Q(opens_on__isnull=True) | Q(opens_on__lte=on))
        & (Q(closes_on__isnull=True) | Q(closes_on__gte=on))
    )


def scheme_list(*, filters: dict | None = None) -> QuerySet[Scheme]:
    """All schemes with their target groups and themes; ``filters`` from SchemeFilterForm."""
    filters = filters or {}
    # The count row kept with the shares (``SchemeShareTally``): the page reads one row per
    # scheme, whatever the number of shares.
    qs = Scheme.objects.prefetch_related("target_groups", "themes").annotate(
        share_count=Coalesce("share_tally__shares", 0)
    )
    if q := filters.get("q"):
        qs = qs.filter(Q(name__icontains=q) | Q(funder__icontains=q) | Q(description__icontains=q))
    if target_group := filters.get("target_group"):
        qs = qs.filter(Q(target_groups=target_group) | Q(target_groups__isnull=True))
    if theme := filters.get("theme"):
        qs = qs.filter(Q(themes=theme) | Q(themes__isnull=True))
    if kind := filters.get("kind"):
        qs = qs.filter(**{KIND_FIELDS[kind]: True})
    if filters.get("open_only"):
        qs = qs.filter(open_q(timezone.localdate()))
    return qs.distinct().order_by("name")


def scheme_get(*, pk: int) -> Scheme:
    try:
        return Scheme.objects.prefetch_related("target_groups", "themes").get(pk=pk)
    except Scheme.DoesNotExist as exc:
        raise Http404 from exc


def open_schemes(*, on: dt.date, with_facts: bool = True) -> list[Scheme]:
    """The schemes open ``on`` that day; ``with_facts``: their target groups and themes
    prefetched (what matching reads)."""
    qs = Scheme.objects.filter(open_q(on)).order_by("name")
    if with_facts:
        qs = qs.prefetch_related("target_groups", "themes")
    return list(qs)


# --- Matching ---------------------------------------------------------------------------------


def provider_themes(provider: Provider, target_group_slugs: set[str]) -> set[str]:
    """The Sportakkoord themes a provider is taken to work on (providers have no theme field)."""
    themes = {THEME_VITAL}
    if target_group_slugs - {YOUTH_TARGET_GROUP}:
        themes.add(THEME_INCLUSION)
    if YOUTH_TARGET_GROUP in target_group_slugs:
        themes.add(THEME_SKILLS)
    if any(getattr(provider, f"{p}_status") != SafetyStatus.MET for p in SAFETY_BASICS):
        themes.add(THEME_SAFETY)
    return themes


def _scheme_facts(scheme: Scheme) -> tuple[list, list]:
    """(target groups, themes) of a scheme, read once from the prefetch and kept on it."""
    facts = getattr(scheme, "_match_facts", None)
    if facts is None:
        facts = scheme._match_facts = (list(scheme.target_groups.all()), list(scheme.themes.all()))
    return facts


def _provider_facts(provider: Provider) -> tuple[set[str], set[str]]:
    """(target group slugs, derived theme slugs) of a provider, computed once and kept on it."""
    facts = getattr(provider, "_match_facts", None)
    if facts is None:
        slugs = {g.slug for g in provider.target_groups.all()}
        facts = provider._match_facts = (slugs, provider_themes(provider, slugs))
    return facts


def scheme_fits(provider: Provider, scheme: Scheme) -> bool:
    """Whether ``scheme`` fits ``provider``: ``match_scheme`` without the reasons, for
    matching many pairs (the same prefetched relations)."""
    if not scheme.accepts_kind(provider.kind):
        return False
    scheme_groups, scheme_themes = _scheme_facts(scheme)
    provider_groups, derived = _provider_facts(provider)
    if scheme_groups and not any(g.slug in provider_groups for g in scheme_groups):
        return False
    return not scheme_themes or any(t.slug in derived for t in scheme_themes)


def match_scheme(provider: Provider, scheme: Scheme) -> Match | None:
    """Whether ``scheme`` fits ``provider``, with the reasons. Uses prefetched relations only:
    ``provider.target_groups`` and the scheme's ``target_groups`` and ``themes``."""
    if not scheme.accepts_kind(provider.kind):
        return None
    scheme_groups, scheme_themes = _scheme_facts(scheme)
    provider_groups, derived = _provider_facts(provider)
    shared_groups = [g.name for g in scheme_groups if g.slug in provider_groups]
    if scheme_groups and not shared_groups:
        return None
    shared_themes = [t.name for t in scheme_themes if t.slug in derived]
    if scheme_themes and not shared_themes:
        return None
    reasons = [_("Open to: %(kind)s") % {"kind": ProviderKind(provider.kind).label}]
    if shared_groups:
        reasons.append(_("Target groups: %(names)s") % {"names": ", ".join(shared_groups)})
    else:
        reasons.append(_("Open to every target group"))
    if shared_themes:
        reasons.append(_("Themes: %(names)s") % {"names": ", ".join(shared_themes)})
    return Match(scheme=scheme, score=10 * len(shared_groups) + len(shared_themes), reasons=reasons)


def _best_first_key(match: Match) -> tuple:
    closes = match.scheme.closes_on or dt.date.max
    return (-match.score, closes, match.scheme.name)


def matches_for_provider(
    provider: Provider, *, schemes: list[Scheme] | None = None, on: dt.date | None = None
) -> list[Match]:
    """The open schemes that fit ``provider``, best first, each with why it fits."""
    schemes = open_schemes(on=on or timezone.localdate()) if schemes is None else schemes
    found = [m for s in schemes if (m := match_scheme(provider, s)) is not None]
    return sorted(found, key=_best_first_key)


def provider_queryset(*, user: AbstractBaseUser) -> QuerySet[Provider]:
    """Providers the user may see: club supporters their desk's area, POS staff all."""
    scope = user_scope(user)
    return (
        Provider.objects.filter(scope.municipality_filter("municipality"), erased_at__isnull=True)
        .select_related("municipality")
        .prefetch_related(Prefetch("target_groups", queryset=TargetGroup.objects.all()))
    )


def provider_list(*, user: AbstractBaseUser, q: str = "") -> QuerySet[Provider]:
    qs = provider_queryset(user=user).exclude(status=ProviderStatus.INACTIVE)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(city__icontains=q))
    return qs.order_by("name", "pk")


def provider_get(*, user: AbstractBaseUser, pk: int) -> Provider:
    try:
        return provider_queryset(user=user).get(pk=pk)
    except Provider.DoesNotExist as exc:
        raise Http404 from exc


def _provider_groups() -> QuerySet:
    return Provider.target_groups.through.objects.filter(provider_id=OuterRef("pk"))


def _derived_theme_q(slug: str) -> Q | None:
    """The providers whose derived themes (``provider_themes``) include ``slug``, as a Q;
    None when no provider can have it."""
    if slug == THEME_VITAL:
        return Q(pk__isnull=False)
    if slug == THEME_INCLUSION:
        return Q(Exists(_provider_groups().exclude(targetgroup__slug=YOUTH_TARGET_GROUP)))
    if slug == THEME_SKILLS:
        return Q(Exists(_provider_groups().filter(targetgroup__slug=YOUTH_TARGET_GROUP)))
    if slug == THEME_SAFETY:
        q = Q(pk__in=[])
        for prefix in SAFETY_BASICS:
            q |= ~Q(**{f"{prefix}_status": SafetyStatus.MET})
        return q
    return None


def scheme_match_filter(qs: QuerySet[Provider], scheme: Scheme) -> QuerySet[Provider]:
    """``qs`` narrowed to the providers ``scheme`` fits, decided by the database with the same
    rules as ``match_scheme`` (kind, target groups, derived themes). Uses the scheme's
    prefetched target groups and themes; does not check whether the scheme is open."""
    kinds = [kind for kind, flag in KIND_FIELDS.items() if getattr(scheme, flag)]
    qs = qs.filter(kind__in=kinds)
    scheme_groups, scheme_themes = _scheme_facts(scheme)
    if scheme_groups:
        group_ids = [g.pk for g in scheme_groups]
        # An IN (subquery) lets the database start from the target group rows (a small part
        # of the providers) instead of testing every provider.
        serving = Provider.target_groups.through.objects.filter(targetgroup_id__in=group_ids)
        qs = qs.filter(pk__in=serving.values("provider_id"))
    if scheme_themes:
        theme_qs = [q for t in scheme_themes if (q := _derived_theme_q(t.slug)) is not None]
        if not theme_qs:
            return qs.none()
        if not any(t.slug == THEME_VITAL for t in scheme_themes):
            combined = theme_qs[0]
            for q in theme_qs[1:]:
                combined |= q
            qs = qs.filter(combined)
    return qs


def _match_score(scheme: Scheme) -> Expression:
    """The best-first score of ``match_scheme`` as a database expression: 10 per shared
    target group plus 1 per shared derived theme."""
    scheme_groups, scheme_themes = _scheme_facts(scheme)
    score: Expression = Value(0)
    if scheme_groups:
        shared = (
            _provider_groups()
            .filter(targetgroup_id__in=[g.pk for g in scheme_groups])
            .values("provider_id")
            .annotate(n=Count("pk"))
            .values("n")
        )
        score = score + 10 * Coalesce(Subquery(shared), 0)
    for theme in scheme_themes:
        q = _derived_theme_q(theme.slug)
        if q is not None:
            score = score + Case(When(q, then=Value(1)), default=Value(0))
    return score


def providers_for_scheme(*, user: AbstractBaseUser, scheme: Scheme) -> QuerySet[Provider]:
    """Active providers in the user's scope that ``scheme`` fits, best first (more shared
    target groups, then more shared themes, then name), annotated with ``match_score``.
    Paginate it; ``with_reasons`` adds the reasons to the rows of one page."""
    candidates = provider_queryset(user=user).filter(status=ProviderStatus.ACTIVE)
    return (
        scheme_match_filter(candidates, scheme)
        .annotate(match_score=_match_score(scheme))
        .order_by("-match_score", "name", "pk")
    )


def with_reasons(providers, scheme: Scheme) -> list[ProviderMatch]:
    """The rows of one page of ``providers_for_scheme`` with why each fits (no queries beyond
    the page's prefetch)."""
    rows = []
    for provider in providers:
        match = match_scheme(provider, scheme)
        if match is not None:
            rows.append(ProviderMatch(provider=provider, score=match.score, reasons=match.reasons))
    return rows


def not_shared(qs: QuerySet[Provider], scheme: Scheme) -> QuerySet[Provider]:
    """``qs`` without the providers that already received ``scheme``."""
    return qs.exclude(
        Exists(SchemeShare.objects.filter(scheme_id=scheme.pk, provider_id=OuterRef("pk")))
    )


def shared_ids_among(*, scheme: Scheme, provider_ids: list[int]) -> set[int]:
    return set(
        SchemeShare.objects.filter(scheme=scheme, provider_id__in=provider_ids).values_list(
            "provider_id", flat=True
        )
    )


def shared_provider_ids(*, scheme: Scheme) -> set[int]:
    return set(SchemeShare.objects.filter(scheme=scheme).values_list("provider_id", flat=True))


def shares_for_scheme(*, user: AbstractBaseUser, scheme: Scheme) -> QuerySet[SchemeShare]:
    scope = user_scope(user)
    return (
        SchemeShare.objects.filter(scheme=scheme)
        .filter(scope.municipality_filter("provider__municipality"))
        .select_related("provider", "shared_by")
    )


# --- The guideline "subsidies actively shared with entrepreneurs" -----------------------------


def entrepreneurs_reached(*, municipality: Municipality, year: int) -> int:
    """How many distinct sport entrepreneurs in ``municipality`` received at least one scheme
    in calendar ``year`` (Europe/Amsterdam), by staff or by the digest. The POS guideline check
    ("subsidies available for and actively shared with entrepreneurs") calls this. Kind and
    municipality are the provider's when it received the scheme (stored on the share row);
    read from ``EntrepreneurReach``, one row per such entrepreneur, whatever its shares."""
    return EntrepreneurReach.objects.filter(year=year, municipality=municipality).count()


def shares_per_municipality(*, year: int) -> dict[int, int]:
    """{municipality id: distinct entrepreneurs reached in ``year``}, in one query (a GROUP BY
    over the year's ``EntrepreneurReach`` rows, on its unique index); absent municipalities
    reached nobody. The same figures as ``entrepreneurs_reached`` per municipality."""
    rows = (
        EntrepreneurReach.objects.filter(year=year)
        .values("municipality_id")
        .annotate(reached=Count("pk"))
        .order_by()
    )
    return {row["municipality_id"]: row["reached"] for row in rows}


# --- Digest -----------------------------------------------------------------------------------


def digest_recipients() -> QuerySet[Provider]:
    """Confirmed (active) providers with an e-mail address that did not unsubscribe."""
    return (
        Provider.objects.filter(
            status=ProviderStatus.ACTIVE,
            erased_at__isnull=True,
            scheme_digest_opt_out__isnull=True,
        )
        .exclude(email="")
        .order_by("pk")
    )


def digest_new_recipient_ids(
    *, scheme: Scheme, changed_since: dt.datetime | None = None
) -> list[int]:
    """Ids of the digest recipients ``scheme`` fits that never received it (one query); with
    ``changed_since``, only among the providers changed at or after it."""
    recipients = digest_recipients()
    if changed_since is not None:
        recipients = recipients.filter(updated_at__gte=changed_since)
    qs = not_shared(scheme_match_filter(recipients, scheme), scheme)
    return list(qs.order_by().values_list("pk", flat=True))


def digest_new_pairs_among(
    *, providers: list[Provider], schemes: list[Scheme]
) -> list[tuple[int, int]]:
    """(scheme id, provider id) of each of ``schemes`` that fits one of ``providers`` (digest
    recipients with their target groups prefetched) and was never shared with it: matched
    here, with the shares of these providers read in one query, so the number of queries
    does not follow the number of schemes."""
    if not providers or not schemes:
        return []
    shared = set(
        SchemeShare.objects.filter(
            provider_id__in=[p.pk for p in providers], scheme_id__in=[s.pk for s in schemes]
        ).values_list("scheme_id", "provider_id")
    )
    return [
        (scheme.pk, provider.pk)
        for provider in providers
        for scheme in schemes
        if (scheme.pk, provider.pk) not in shared and scheme_fits(provider, scheme)
    ]


# --- Budgets ----------------------------------------------------------------------------------


def desk_queryset(*, user: AbstractBaseUser) -> QuerySet[Desk]:
    """Desks whose budgets the user may manage: a club supporter their own, POS staff all."""
    scope = user_scope(user)
    if scope.role in (Role.POS_STAFF, Role.ADMINISTRATOR):
        return Desk.objects.all()
    if scope.role == Role.CLUB_SUPPORTER:
        return Desk.objects.filter(pk=scope.desk_id)
    return Desk.objects.none()


def budget_list(*, user: AbstractBaseUser, year: int | None = None) -> QuerySet[Budget]:
    qs = Budget.objects.filter(desk__in=desk_queryset(user=user)).select_related("desk")
    if year:
        qs = qs.filter(year=year)
    return qs.annotate(allocation_count=Count("allocations")).order_by(
        "desk__name", "-year", "kind", "name"
    )


def budget_get(*, user: AbstractBaseUser, pk: int) -> Budget:
    try:
        return Budget.objects.select_related("desk").get(pk=pk, desk__in=desk_queryset(user=user))
    except Budget.DoesNotExist as exc:
        raise Http404 from exc


def budgets_for_desk(*, desk_id: int) -> QuerySet[Budget]:
    """A desk's budgets to allocate from, the newest year first."""
    return Budget.objects.filter(desk_id=desk_id).order_by("-year", "kind", "name")


def allocations_for_budget(*, budget: Budget) -> QuerySet[Allocation]:
    return budget.allocations.select_related("provider", "decided_by", "withdrawn_by").order_by(
        "-decided_on", "-pk"
    )


def allocation_get(*, user: AbstractBaseUser, pk: int) -> Allocation:
    """An allocation of a budget the user may manage; 404 otherwise."""
    try:
        return Allocation.objects.select_related(
            "budget", "budget__desk", "provider", "decided_by", "withdrawn_by"
        ).get(pk=pk, budget__desk__in=desk_queryset(user=user))
    except Allocation.DoesNotExist as exc:
        raise Http404 from exc


def allocation_providers(*, desk: Desk) -> QuerySet[Provider]:
    """Providers a desk may allocate to: active ones in the municipalities it serves."""
    return Provider.objects.filter(
        municipality__in=desk.municipalities.all(),
        status=ProviderStatus.ACTIVE,
        erased_at__isnull=True,
    ).order_by("name", "pk")


# --- Transparency -----------------------------------------------------------------------------


def transparency_desks(*, user: AbstractBaseUser) -> QuerySet[Desk]:
    """Desks whose transparency overview the user may read: managers their desks, policy
    staff the desks that serve their municipality."""
    scope = user_scope(user)
    if scope.role == Role.POLICY_STAFF:
        return Desk.objects.filter(municipalities__in=scope.municipality_ids).distinct()
    return desk_queryset(user=user)


def transparency_desk_get(*, user: AbstractBaseUser, pk: int) -> Desk:
    try:
        return transparency_desks(user=user).get(pk=pk)
    except Desk.DoesNotExist as exc:
        raise Http404 from exc


def transparency_allocations(*, desk: Desk, year: int) -> QuerySet[Allocation]:
    return (
        Allocation.objects.filter(budget__desk=desk, budget__year=year)
        .select_related(
            "budget", "provider", "provider__municipality", "decided_by", "withdrawn_by"
        )
        .order_by("decided_on", "pk")
    )


def transparency_budgets(*, desk: Desk, year: int) -> QuerySet[Budget]:
    return Budget.objects.filter(desk=desk, year=year).order_by("kind", "name")


def transparency_years(*, desk: Desk) -> list[int]:
    return list(
        Budget.objects.filter(desk=desk).values_list("year", flat=True).distinct().order_by("-year")
    )


def theme_choices() -> QuerySet[Theme]:
    return Theme.objects.filter(kind="sportakkoord")
