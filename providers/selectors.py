"""Reads of sport providers, always scoped to what the user may see."""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass
from functools import reduce

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import BooleanField, Expression, F, Q, QuerySet, Value
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext

from sportloket.constants import Role
from sportloket.models import Municipality
from sportloket.paging import seek_page
from sportloket.selectors import user_scope

from .constants import BASIC_REQUIREMENTS, ProviderKind, ProviderStatus, SafetyStatus
from .models import Provider

# Roles that may change providers, import, export personal data and erase it. Policy staff
# read (and export the list of) their own municipality's providers.
EDITOR_ROLES = (Role.CLUB_SUPPORTER, Role.POS_STAFF, Role.ADMINISTRATOR)
READER_ROLES = (*EDITOR_ROLES, Role.POLICY_STAFF)


def eligible_q(prefix: str = "") -> Q:
    """Seed 003's eligibility rule as a filter: none of the four basic requirements is
    "not met". Same rule as ``Provider.is_eligible``; ``prefix`` for a relation, e.g.
    ``eligible_q("provider__")``."""
    return Q(
        **{
            f"{prefix}{p}_status__in": [SafetyStatus.MET, SafetyStatus.IN_PROGRESS]
            for p in BASIC_REQUIREMENTS
        }
    )


def all_met_q(prefix: str = "") -> Q:
    """All four basic requirements met (not merely in progress)."""
    return Q(**{f"{prefix}{p}_status": SafetyStatus.MET for p in BASIC_REQUIREMENTS})


def provider_is_eligible(provider: Provider) -> bool:
    """The one eligibility rule for club support (seed 003): each of the four basic
    requirements is met or actively being worked on. Later issues call this (or
    ``eligible_q`` in a query) rather than re-implementing the rule."""
    return provider.is_eligible


def visible_providers(*, user: AbstractBaseUser) -> QuerySet[Provider]:
    """The providers of the municipalities in the user's scope (none without a role)."""
    scope = user_scope(user)
    if scope.role is None:
        return Provider.objects.none()
    return Provider.objects.filter(scope.municipality_filter("municipality"))


def provider_list(*, user: AbstractBaseUser) -> QuerySet[Provider]:
    """The registry's rows: scoped, with what a row shows loaded in a constant number of
    queries; the prefetches run for the fetched page only.

    The municipality is prefetched rather than joined: with a join the planner drives the
    query from the municipality table and sorts every provider of the scope, whereas
    without it the page is read in name order straight from an index (50k rows: ~0.2 ms
    instead of ~45 ms on SQLite)."""
    return visible_providers(user=user).prefetch_related("municipality", "sports", "target_groups")


# The columns a registry row shows (the four statuses decide eligibility).
REGISTRY_COLUMNS = (
    "id",
    "name",
    "kvk_number",
    "kind",
    "municipality_id",
    "municipality_name",
    "status",
    "created_at",
    *[f"{prefix}_status" for prefix in BASIC_REQUIREMENTS],
)


def provider_registry(*, user: AbstractBaseUser) -> QuerySet[Provider]:
    """The registry list's base queryset: scoped, only the columns a row shows, no join (so
    a page is read in index order, see the model's indexes). Sports and target groups of the
    page come from ``provider_relations``."""
    scope = user_scope(user)
    if scope.role is None:
        return Provider.objects.none()
    providers = Provider.objects.all()
    if scope.municipality_ids is not None:
        providers = providers.filter(municipality_in(scope.municipality_ids))
    return providers.only(*REGISTRY_COLUMNS)


class AnyOf(Expression):
    """``column = ANY(%s::type[])``: a list of values as one array parameter (PostgreSQL).

    The same rows as ``column__in=values``; but Django prepares an ``IN`` list value by value
    each time a query is built and compiled, and a national desk's scope is 342
    municipalities: with three such queries per page that was a few milliseconds of the
    registry's CPU time.

    The array has the column's type: the driver sends small numbers as ``integer[]``, and
    ``bigint = ANY(integer[])`` is not hashed, so a row the index does not decide (a search
    reading rows until its capped count) compared its municipality with all 342 in turn."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: str | Expression, values: list):
        super().__init__()
        self.column = F(column) if isinstance(column, str) else column
        self.values = values

    def get_source_expressions(self):
        return [self.column]

    def set_source_expressions(self, exprs):
        (self.column,) = exprs

    def as_sql(self, compiler, connection):
        sql, params = compiler.compile(self.column)
        array_type = self.column.output_field.cast_db_type(connection)
        return f"{sql} = ANY(%s::{array_type}[])", (*params, self.values)


def municipality_in(ids, column: str = "municipality_id") -> Q | AnyOf:
    """Rows (providers) of the municipalities ``ids``."""
    if connection.vendor == "postgresql":
        return AnyOf(column, sorted(ids))
    return Q(**{f"{column}__in": ids})


def registry_municipalities(*, user: AbstractBaseUser) -> QuerySet[Municipality]:
    """The registry filter's municipalities: the active ones in the user's scope (as
    ``sportloket.selectors.municipality_list``, with the scope as one parameter)."""
    scope = user_scope(user)
    municipalities = Municipality.objects.filter(active=True)
    if scope.municipality_ids is not None:
        municipalities = municipalities.filter(municipality_in(scope.municipality_ids, "id"))
    return municipalities


def provider_relations(
    provider_ids: list[int],
) -> tuple[dict[int, list[int]], dict[int, list[int]]]:
    """Sport ids and target-group ids per provider for one page, straight from the
    many-to-many tables: one query (the two link tables as UNION ALL), no model instances."""
    sports: dict[int, list[int]] = defaultdict(list)
    groups: dict[int, list[int]] = defaultdict(list)
    if not provider_ids:
        return sports, groups
    sport_links = Provider.sports.through.objects.filter(provider_id__in=provider_ids)
    group_links = Provider.target_groups.through.objects.filter(provider_id__in=provider_ids)
    links = (
        sport_links.annotate(table=Value(0))
        .values_list("table", "provider_id", "sport_id")
        .union(
            group_links.annotate(table=Value(1)).values_list(
                "table", "provider_id", "targetgroup_id"
            ),
            all=True,
        )
    )
    for table, provider_id, linked_id in links:
        (groups if table else sports)[provider_id].append(linked_id)
    return sports, groups


# The registry counts the matching providers up to this many; beyond it the page says "more
# than 1,000" instead of counting them all (a COUNT(*) over 600,000 providers reads all of
# their index entries: 0.1-0.3 s on PostgreSQL, more than the rest of the page). Counting up
# to 10,000 still cost 3-70 ms at 600,000 (a filter the index does not hold sends the count
# to the table rows, and a count that large gets parallel workers).
REGISTRY_COUNT_LIMIT = 1_000
# Deeper pages are reached by their links (by key); a page number alone goes no further.
REGISTRY_MAX_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class RegistryRow:
    """One row of the registry with every text it shows already made (labels translated
    once per page, names from the filter's option lists, the URL without a reverse())."""

    url: str
    name: str
    kvk_number: str
    kind: str
    municipality: str
    sports: str
    target_groups: str
    status: str
    status_label: str
    eligible: bool


@dataclass
class RegistryPage:
    """One page of the registry: its rows, the count of all matching providers (capped at
    ``REGISTRY_COUNT_LIMIT``; ``exact`` False beyond it), the page number shown and the
    cursors of the pages around it (empty when there is none)."""

    rows: list[RegistryRow]
    count: int
    exact: bool
    number: int
    per_page: int
    next_cursor: str
    previous_cursor: str

    @property
    def num_pages(self) -> int | None:
        return max(1, -(-self.count // self.per_page)) if self.exact else None


def registry_count(qs: QuerySet[Provider]) -> tuple[int, bool]:
    """The number of providers in ``qs``, counted up to ``REGISTRY_COUNT_LIMIT`` (one query
    that stops reading there), and whether that is all of them."""
    found = qs.order_by().values("pk")[: REGISTRY_COUNT_LIMIT + 1].count()
    return min(found, REGISTRY_COUNT_LIMIT), found <= REGISTRY_COUNT_LIMIT


def registry_page(
    qs: QuerySet[Provider],
    *,
    page: int,
    per_page: int,
    names: dict[str, dict[str, str]],
    after: str = "",
    before: str = "",
) -> RegistryPage:
    """One page of the registry (``qs``: ``provider_registry`` filtered and sorted, last key
    the pk): by key after the cursor ``after`` or before ``before`` (the page's links), else
    page ``page`` by number. ``names``: {field: {pk: label}} of the filter's option lists.
    Three queries: the capped count, the page, and its sports and target groups."""
    count, exact = registry_count(qs)
    page = max(1, min(page, REGISTRY_MAX_PAGE))
    if exact:
        page = min(page, max(1, -(-count // per_page)))
    result = seek_page(qs, page=page, after=after, before=before, size=per_page)
    return RegistryPage(
        rows=registry_rows(result.rows, names),
        count=count,
        exact=exact,
        number=page,
        per_page=per_page,
        next_cursor=result.next_cursor,
        previous_cursor=result.previous_cursor,
    )


def registry_rows(providers: list[Provider], names: dict[str, dict[str, str]]) -> list[RegistryRow]:
    """The page's rows as plain values. Names of sports and target groups come from the
    filter's option lists (already loaded), the municipality's from the provider's own copy,
    labels are looked up once per page: a 50-row page costs hardly more than a 25-row one, in
    the same number of queries."""
    kinds = {value: str(label) for value, label in ProviderKind.choices}
    statuses = {value: str(label) for value, label in ProviderStatus.choices}
    sports, groups = provider_relations([p.pk for p in providers])
    # One reverse() per page instead of per row: the detail URL is this prefix plus "<pk>/".
    detail_url = reverse("providers:detail", args=[0])[: -len("0/")]

    def joined(ids: list[int], labels: dict[str, str]) -> str:
        return ", ".join(sorted(labels.get(str(pk), "") for pk in ids))

    return [
        RegistryRow(
            url=f"{detail_url}{p.pk}/",
            name=p.name,
            kvk_number=p.kvk_number,
            kind=kinds.get(p.kind, p.kind),
            municipality=p.municipality_name,
            sports=joined(sports.get(p.pk, []), names["sport"]),
            target_groups=joined(groups.get(p.pk, []), names["target_group"]),
            status=p.status,
            status_label=statuses.get(p.status, p.status),
            eligible=p.is_eligible,
        )
        for p in providers
    ]


def provider_get(*, user: AbstractBaseUser, pk: int) -> Provider:
    """One provider the user may see; another municipality's provider is a 404."""
    provider = (
        visible_providers(user=user)
        .select_related("municipality", "created_by")
        .prefetch_related("sports", "target_groups")
        .filter(pk=pk)
        .first()
    )
    if provider is None:
        raise Http404
    return provider


def provider_find(*, kvk_number: str = "", email: str = "", name: str = "") -> Provider | None:
    """The provider we already know: same KvK number, or else same e-mail address and name
    (case-insensitive). Not scoped: for the public forms (interest form, the desk's question
    form) that must not create a second provider.

    Every public registration runs this, and nearly always finds nothing: one query for both
    rules, on the indexes of the KvK number and of UPPER(email), that returns only keys; the
    provider itself is read only when there is one (the KvK match wins, else the oldest)."""
    kvk_number = (kvk_number or "").strip()
    email, name = (email or "").strip(), (name or "").strip()
    rules = []
    if kvk_number:
        rules.append(Q(kvk_number=kvk_number))
    if email and name:
        rules.append(Q(email__iexact=email, name__iexact=name))
    if not rules:
        return None
    candidates = list(
        Provider.objects.filter(reduce(operator.or_, rules))
        .order_by()
        .values_list("pk", "kvk_number")
    )
    if not candidates:
        return None
    pk, _ = min(candidates, key=lambda row: (not kvk_number or row[1] != kvk_number, row[0]))
    return Provider.objects.get(pk=pk)


def provider_export_rows(queryset: QuerySet[Provider]):
    """Yield the export's rows for an already filtered queryset, streaming in chunks."""
    from .constants import SAFETY_BASICS

    for p in queryset.iterator(chunk_size=2000):
        yield [
            p.name,
            p.get_kind_display(),
            p.kvk_number,
            p.municipality.cbs_code,
            p.municipality.name,
            p.street,
            p.postcode,
            p.city,
            ", ".join(s.name for s in p.sports.all()),
            ", ".join(t.name for t in p.target_groups.all()),
            p.contact_name,
            p.email,
            str(p.phone or ""),
            p.website,
            "" if p.participants is None else p.participants,
            p.get_status_display(),
            *[str(SafetyStatus(getattr(p, f"{prefix}_status")).label) for prefix in SAFETY_BASICS],
            gettext("yes") if p.is_eligible else gettext("no"),
        ]
