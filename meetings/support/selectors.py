"""Reads of the desk's support questions, already scoped to the user.

Row scoping: club supporters see their desk's questions, plus questions their own organisation
holds after accepting a handover (see ``PARTNER_STATUSES``); policy staff see their
municipality's questions; administrators see everything. Internal notes are for the desk's own
supporters and administrators only. Anything else is a 404.

A partner organisation (the receiver of a handover, usually serving another desk) sees, while the
handover is pending, only what it needs to decide: the handover note, subject, category,
provider and deadline, in its handover queue. The question itself is theirs from acceptance until
the desk takes it back (status back to triage, or a later handover to someone else) or closes it;
before accepting, after declining and after expiry it is a 404 like any other desk's question.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.translation import gettext

from providers.constants import BASIC_REQUIREMENTS, SafetyStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import Desk, Municipality, Organisation, QuestionCategory
from sportloket.options import as_instances, desk_options, in_scope, reference_options

# The board pages by key (``seek_page``); ``cursor_of`` and ``page_of`` are read from here too.
from sportloket.paging import Page, cursor_of, page_of, seek_page  # noqa: F401
from sportloket.selectors import Scope, desk_club_supporters, user_scope
from subsidies.models import Allocation
from subsidies.selectors import desk_queryset as budget_desks

from ..models import ContactMoment, Handover, SupportRequest, SupportRequestEvent
from .constants import STATUS_BADGE, HandoverStatus, Priority, SupportStatus

BOARD_PAGE_SIZE = 25
# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{40,64}")


# While an accepted handover's organisation works on the question (resolved included: the
# partner may still have to look it up); triage again means the desk took it back.
PARTNER_STATUSES = (
    SupportStatus.HANDED_OVER,
    SupportStatus.WAITING_FOR_PROVIDER,
    SupportStatus.RESOLVED,
)


def _held_by(organisation_id: int | None, *, ref: str = "pk") -> Q:
    """Questions (``ref``: the question's pk in the outer query) whose latest handover is an
    accepted one to the organisation and that the desk has not taken back or closed."""
    if organisation_id is None:
        return Q(pk__in=[])
    later = Handover.objects.filter(
        support_request=OuterRef("support_request"), pk__gt=OuterRef("pk")
    )
    held = Handover.objects.filter(
        ~Exists(later),
        support_request=OuterRef(ref),
        organisation_id=organisation_id,
        status=HandoverStatus.ACCEPTED,
        support_request__status__in=PARTNER_STATUSES,
    )
    return Q(Exists(held))


def support_request_scope_q(scope: Scope) -> Q:
    """Which questions a scope may open."""
    if scope.role == Role.ADMINISTRATOR:
        return Q()
    if scope.role == Role.CLUB_SUPPORTER:
        return Q(desk_id=scope.desk_id) | _held_by(scope.organisation_id)
    if scope.role == Role.POLICY_STAFF and scope.municipality_ids:
        return Q(municipality_id__in=scope.municipality_ids)
    return Q(pk__in=[])


def can_triage(scope: Scope, request: SupportRequest) -> bool:
    """Desk actions (assign, status, handover, notes) belong to the desk's own supporters."""
    return scope.role == Role.ADMINISTRATOR or (
        scope.role == Role.CLUB_SUPPORTER and scope.desk_id == request.desk_id
    )


def sees_internal_notes(scope: Scope, request: SupportRequest) -> bool:
    """The desk's deliberation: its own supporters and administrators, never a partner."""
    return can_triage(scope, request)


def support_request_get(*, user: AbstractBaseUser, pk: int) -> SupportRequest:
    """One question the user may see, with what its page shows; 404 otherwise."""
    scope = user_scope(user)
    request = (
        SupportRequest.objects.filter(support_request_scope_q(scope), pk=pk)
        .select_related("desk", "provider", "assignee", "category", "organisation", "municipality")
        .first()
    )
    if request is None:
        raise Http404
    return request


def can_allocate(*, user: AbstractBaseUser, request: SupportRequest) -> bool:
    """Deciding on money for a question belongs to the staff of its desk who may manage that
    desk's budgets: triage rights on the question (a supporter of an organisation it was
    handed to has none) and the desk among the user's budget desks (subsidies' rule)."""
    return (
        can_triage(user_scope(user), request)
        and budget_desks(user=user).filter(pk=request.desk_id).exists()
    )


def allocatable_request_get(*, user: AbstractBaseUser, pk: int) -> SupportRequest:
    """A question the user may decide money for; 404 for anyone else (also other desks)."""
    request = support_request_get(user=user, pk=pk)
    if not can_allocate(user=user, request=request):
        raise Http404
    return request


def allocations_for_request(*, request: SupportRequest) -> QuerySet[Allocation]:
    """The decisions on money made for a question, newest first, withdrawn ones included."""
    return (
        Allocation.objects.filter(support_request_link__support_request=request)
        .select_related("budget", "provider", "decided_by", "withdrawn_by")
        .order_by("-decided_on", "-pk")
    )


def support_request_by_token(*, token: str) -> SupportRequest:
    """The question behind a private link; 404 for anything else (no hint which part was wrong)."""
    if not TOKEN_RE.fullmatch(token or ""):
        raise Http404
    request = (
        SupportRequest.objects.filter(public_token=token)
        .select_related("desk", "category", "organisation")
        .first()
    )
    if request is None:
        raise Http404
    return request


def visible_handovers(*, scope: Scope, request: SupportRequest) -> QuerySet[Handover]:
    """The question's handovers as its page lists them: all for the desk (and policy staff,
    administrators), only its own for a partner organisation."""
    handovers = request.handovers.select_related("organisation", "created_by", "responded_by")
    if scope.role == Role.CLUB_SUPPORTER and not can_triage(scope, request):
        return handovers.filter(organisation_id=scope.organisation_id)
    return handovers


def has_pending_handover(*, request: SupportRequest) -> bool:
    """Whether the question awaits a receiving organisation's answer (no status change then)."""
    return request.handovers.filter(status=HandoverStatus.PENDING).exists()


def timeline(
    *, request: SupportRequest, include_internal: bool, public_only: bool = False
) -> QuerySet[SupportRequestEvent]:
    events = request.events.select_related("actor")
    if public_only:
        return events.filter(public=True)
    if not include_internal:
        events = events.exclude(kind="note")
    return events


def board_queryset(*, user: AbstractBaseUser) -> QuerySet[SupportRequest]:
    """The triage board's rows before filtering: the desk's queue (or the municipality's for
    policy staff), with everything a row shows joined in one query."""
    scope = user_scope(user)
    if scope.role == Role.CLUB_SUPPORTER:
        qs = SupportRequest.objects.filter(desk_id=scope.desk_id)
    elif scope.role == Role.POLICY_STAFF:
        qs = SupportRequest.objects.filter(support_request_scope_q(scope))
    elif scope.role == Role.ADMINISTRATOR and scope.desk_id:
        qs = SupportRequest.objects.filter(desk_id=scope.desk_id)
    elif scope.role == Role.ADMINISTRATOR:
        qs = SupportRequest.objects.all()
    else:
        qs = SupportRequest.objects.none()
    return qs.select_related("provider", "assignee", "category", "organisation", "municipality")


@dataclass
class BoardOptions:
    """Choices of the board's filters and bulk actions, read once per page."""

    categories: list[QuestionCategory]
    municipalities: list[Municipality]
    organisations: list[Organisation]
    staff: list[AbstractBaseUser]

    @property
    def staff_choices(self) -> list[tuple[int, str]]:
        """(pk, name) of the colleagues, as every list of them on the board shows them."""
        return [(u.pk, u.get_full_name() or u.username) for u in self.staff]

    @property
    def category_choices(self) -> list[tuple[int, str]]:
        return [(c.pk, c.name) for c in self.categories]


def board_options(*, user: AbstractBaseUser) -> BoardOptions:
    """The categories, the scope's municipalities and the desk's partner organisations and
    club supporters, all from the cached option lists (``sportloket.options``: dropped by
    every change to them); no query once they are cached. The objects have only the fields
    the board shows loaded, as ``.only()`` would give them."""
    scope = user_scope(user)
    desk_id = scope.desk_id
    lists = reference_options("categories", "all_municipalities")
    municipalities = []
    if desk_id or scope.municipality_ids:
        municipalities = as_instances(
            Municipality, in_scope(lists["all_municipalities"], scope.municipality_ids)
        )
    organisations, staff = [], []
    if desk_id:
        own = desk_options(desk_id)
        organisations = as_instances(Organisation, own["organisations"])
        staff = as_instances(
            get_user_model(), own["staff"], ["id", "first_name", "last_name", "username"]
        )
    return BoardOptions(
        categories=as_instances(QuestionCategory, lists["categories"]),
        municipalities=municipalities,
        organisations=organisations,
        staff=staff,
    )


def desk_staff(*, desk_id: int) -> QuerySet:
    return desk_club_supporters(desk_id=desk_id)


# The board's free-text search: at most this many characters are used, providers matched by
# name and (PostgreSQL) questions matched by their words.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_PROVIDERS = 500
SEARCH_MAX_HITS = 5_000


def search_q(text: str, *, within: QuerySet[SupportRequest] | None = None) -> Q:
    """Questions (of ``within``, the queue being searched) whose subject or question contains
    the words of ``text``, or whose provider's name contains ``text``.

    On PostgreSQL the subject and question are searched with full-text search ("dutch"
    configuration: "zwembaden" finds "zwembad") through the GIN index ``sr_search`` of
    migration 0011, and for the open queue through ``sr_search_open`` (migration 0017: the
    same of the open questions only, a few percent of the table; without it, at 5,000,000
    questions the planner ANDed the word's matches of every status with a bitmap of all open
    questions); the expression here must stay the indexes' expression. The matching ids are
    read first, in their own query: given the whole query, the planner walks the board's
    (desk, is_open, …) index in the sort order and tests every row's text (650 ms at 500,000
    questions), because it cannot estimate how few rows match. A word found in more than
    ``SEARCH_MAX_HITS`` questions of the queue is searched among the first that many found.
    The provider's name is matched in the much smaller provider table first. SQLite
    (development, tests) has no such index and uses a plain LIKE on each field.
    """
    text = " ".join(text.split())[:SEARCH_MAX_LENGTH]
    if not text:
        return Q()
    providers = list(
        Provider.objects.filter(name__icontains=text).values_list("pk", flat=True)[
            :SEARCH_MAX_PROVIDERS
        ]
    )
    by_provider = Q(provider_id__in=providers) if providers else Q(pk__in=[])
    if connection.vendor == "postgresql":
        from django.contrib.postgres.search import SearchQuery, SearchVector, SearchVectorExact

        vector = SearchVector("subject", "question", config="dutch")
        query = SearchQuery(text, config="dutch", search_type="plain")
        queue = SupportRequest.objects.all() if within is None else within
        ids = list(
            queue.filter(SearchVectorExact(vector, query))
            .order_by()
            .values_list("pk", flat=True)[:SEARCH_MAX_HITS]
        )
        return Q(pk__in=ids) | by_provider
    words = Q()
    for word in text.split()[:10]:
        words &= Q(subject__icontains=word) | Q(question__icontains=word)
    return words | by_provider


@dataclass(frozen=True, slots=True)
class BoardRow:
    """One row of the triage board with every text it shows already made: the page renders
    plain attributes, with no translation, URL reversal, date formatting or eligibility rule
    per cell (the row loop was most of the board's time at 500,000 questions)."""

    pk: int
    url: str
    assign_url: str
    subject: str
    new_info_title: str
    provider_name: str
    municipality_name: str
    status_badge: str
    status_label: str
    category_name: str
    priority_label: str
    # The "respond by" cell: a badge (class, text) before the date, a muted text, or a dash.
    deadline_badge: tuple[str, str] | None
    deadline_text: str
    deadline_muted: bool
    assignee_name: str
    organisation_name: str
    missing: str
    can_assign_me: bool

    def __getitem__(self, name: str):
        # The template engine tries ``row[name]`` before ``getattr``: answering it directly
        # spares an exception per cell.
        try:
            return getattr(self, name)
        except AttributeError:
            raise KeyError(name) from None


_PK_MARK = 918273645
# The columns a board row reads. The page's questions are read without joins and the few
# related rows looked up apart: with the five joins PostgreSQL spent 3-20 ms planning a query
# that then ran in under 1 ms.
BOARD_ROW_FIELDS = (
    "subject",
    "status",
    "is_open",
    "clock_running",
    "deadline",
    "priority",
    "new_info_at",
    "created_at",
    "last_activity_at",
    "assignee_id",
    "provider_id",
    "municipality_id",
    "category_id",
    "organisation_id",
)
PROVIDER_FIELDS = ("name", *(f"{prefix}_status" for prefix in BASIC_REQUIREMENTS))


def _by_pk(known: list, model, ids: set, *fields: str) -> dict:
    """The objects with ``ids``: from ``known`` (the page's filter choices, already read) and,
    for any not among them, one query."""
    found = {obj.pk: obj for obj in known if obj.pk in ids}
    missing = ids - found.keys() - {None}
    if missing:
        found.update(model.objects.only(*fields).in_bulk(missing))
    return found


def board_page(
    qs: QuerySet[SupportRequest],
    *,
    page: int,
    user: AbstractBaseUser,
    today: dt.date,
    options: BoardOptions | None = None,
    after: str = "",
    before: str = "",
) -> Page:
    """One page of the board (``qs`` from ``board_queryset``, filtered and sorted; ``after``
    and ``before`` as in ``seek_page``) with its rows as ``BoardRow``. Two queries, plus one
    per related table with a row not among ``options`` (the filters' choices, read anyway)."""
    result = seek_page(
        qs.select_related(None).only(*BOARD_ROW_FIELDS),
        page=page,
        after=after,
        before=before,
        size=BOARD_PAGE_SIZE,
    )
    requests = result.rows
    related = page_related(requests, options=options)
    result.rows = board_rows(requests, related=related, user=user, today=today)
    return result


def page_related(
    requests: list[SupportRequest], *, options: BoardOptions | None = None
) -> dict[str, dict]:
    """{relation: {pk: object}} of a page of questions read without joins: the providers in
    one query, the rest from ``options`` (the page's filter choices) or, for any not among
    them, one query per table."""
    options = options or BoardOptions([], [], [], [])

    def ids(field: str) -> set:
        return {getattr(r, field) for r in requests}

    return {
        "provider": Provider.objects.only(*PROVIDER_FIELDS).in_bulk(ids("provider_id")),
        "municipality": _by_pk(
            options.municipalities, Municipality, ids("municipality_id"), "name"
        ),
        "category": _by_pk(options.categories, QuestionCategory, ids("category_id"), "name"),
        "organisation": _by_pk(options.organisations, Organisation, ids("organisation_id"), "name"),
        "assignee": _by_pk(
            options.staff,
            get_user_model(),
            ids("assignee_id"),
            "first_name",
            "last_name",
            "username",
        ),
    }


def attach_related(
    requests: list[SupportRequest], *, options: BoardOptions | None = None
) -> list[SupportRequest]:
    """``page_related`` set on the questions themselves, as ``select_related`` would have:
    ``question.provider`` and the others read no further rows."""
    related = page_related(requests, options=options)
    for name, objects in related.items():
        field = SupportRequest._meta.get_field(name)
        for request in requests:
            field.set_cached_value(request, objects.get(getattr(request, field.attname)))
    return requests


def board_rows(
    requests: list[SupportRequest],
    *,
    related: dict[str, dict],
    user: AbstractBaseUser,
    today: dt.date | None = None,
) -> list[BoardRow]:
    """The board's rows for ``requests``, with their provider, municipality, category,
    organisation and assignee from ``related`` (name -> {pk: object}): labels translated once
    per page, not once per cell."""
    today = today or timezone.localdate()
    statuses = {value: str(label) for value, label in SupportStatus.choices}
    priorities = {value: str(label) for value, label in Priority.choices}
    requirements = [
        (f"{prefix}_status", str(label)) for prefix, label in BASIC_REQUIREMENTS.items()
    ]
    overdue = ("text-bg-danger", gettext("overdue"))
    due_today = ("text-bg-warning", gettext("due today"))
    paused = gettext("paused")
    # Each URL reversed once, the row's pk put in its place (a reverse per row and cell was
    # 2 ms of a page).
    detail = reverse("meetings:request_detail", args=[_PK_MARK]).split(str(_PK_MARK))
    assign = reverse("meetings:request_action", args=[_PK_MARK, "assign-me"]).split(str(_PK_MARK))
    rows = []
    for row in requests:
        provider = related["provider"][row.provider_id]
        category = related["category"].get(row.category_id)
        organisation = related["organisation"].get(row.organisation_id)
        badge, text, muted = None, "—", False
        if row.clock_running:
            if row.deadline < today:
                badge = overdue
            elif row.deadline == today:
                badge = due_today
            text = dateformat.format(row.deadline, "d-m-Y")
        elif row.status == SupportStatus.WAITING_FOR_PROVIDER:
            text, muted = paused, True
        elif row.is_open:
            text, muted = dateformat.format(row.deadline, "d-m-Y"), True
        assignee = related["assignee"].get(row.assignee_id)
        rows.append(
            BoardRow(
                pk=row.pk,
                url=str(row.pk).join(detail),
                assign_url=str(row.pk).join(assign),
                subject=row.subject,
                new_info_title=(
                    dateformat.format(timezone.localtime(row.new_info_at), "d-m-Y H:i")
                    if row.new_info_at
                    else ""
                ),
                provider_name=provider.name,
                municipality_name=related["municipality"][row.municipality_id].name,
                status_badge=STATUS_BADGE.get(row.status, ""),
                status_label=statuses.get(row.status, row.status),
                category_name=category.name if category else "",
                priority_label=priorities.get(row.priority, str(row.priority)),
                deadline_badge=badge,
                deadline_text=text,
                deadline_muted=muted,
                assignee_name=(assignee.get_full_name() or assignee.username) if assignee else "",
                organisation_name=organisation.name if organisation else "",
                missing=", ".join(
                    label
                    for field, label in requirements
                    if getattr(provider, field) == SafetyStatus.NOT_MET
                ),
                can_assign_me=row.is_open and row.assignee_id != user.pk,
            )
        )
    return rows


def handover_queue(*, user: AbstractBaseUser) -> QuerySet[Handover]:
    """Handovers to the user's organisation: pending first, then recently answered.
    ``question_open``: whether the organisation may open the question now (``_held_by``)."""
    scope = user_scope(user)
    if scope.organisation_id is None:
        return Handover.objects.none()
    return (
        Handover.objects.filter(organisation_id=scope.organisation_id)
        .annotate(question_open=_held_by(scope.organisation_id, ref="support_request"))
        .select_related(
            "support_request__provider",
            "support_request__desk",
            "support_request__category",
            "created_by",
        )
        .order_by("-status", "respond_by", "pk")
    )


def handover_get(
    *, user: AbstractBaseUser, pk: int, status: HandoverStatus = HandoverStatus.PENDING
) -> Handover:
    """A handover of the user's queue with the given status (pending: to answer; accepted: to
    report the outcome of); 404 otherwise."""
    handover = handover_queue(user=user).filter(pk=pk, status=status).first()
    if handover is None:
        raise Http404
    return handover


def providers_without_contact(*, desk: Desk, on: dt.date, months: int = 12) -> QuerySet[Provider]:
    """Active or pending providers in the desk's area with no contact moment since
    ``on - months``: who is due for a proactive visit (seed 001/002)."""
    since = on - relativedelta(months=months)
    recent = ContactMoment.objects.filter(provider=OuterRef("pk"), date__gte=since)
    return (
        Provider.objects.filter(municipality__desks=desk, erased_at__isnull=True)
        .exclude(status="inactive")
        .exclude(Exists(recent))
        .select_related("municipality")
        .order_by("municipality__name", "name")
    )


def contact_moments(*, desk: Desk) -> QuerySet[ContactMoment]:
    return ContactMoment.objects.filter(desk=desk).select_related("provider", "staff")


def desk_providers(*, desk: Desk) -> QuerySet[Provider]:
    return Provider.objects.filter(municipality__desks=desk).order_by("name")
