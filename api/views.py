"""The API's views: thin, like the pages. Each reads through the page's selector (so the
same scope decides: another municipality's object is a 404) and writes through the page's
form and service (so the same rules and Dutch messages apply)."""

from __future__ import annotations

from django import forms
from django.core.cache import cache
from django.forms.models import model_to_dict
from django.http import Http404
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.response import Response

from meetings.support import selectors as support
from meetings.support import services as support_services
from meetings.support.filters import DEFAULT_SORT, OPEN, SORTS, SupportRequestFilter
from meetings.support.forms import HandoverForm, StaffQuestionForm, StatusForm
from meetings.support.views import DESK_ROLES, READ_ROLES, RequestDetailView
from poskantoor import selectors as offices
from poskantoor.forms import OfficeFilterForm
from poskantoor.views import READER_ROLES as OFFICE_READERS
from providers import selectors as providers
from providers import services as provider_services
from providers.constants import BASIC_REQUIREMENTS, SAFETY_BASICS
from providers.filters import ProviderFilter
from providers.forms import ProviderForm
from reports.public import selectors as public_pages
from reports.selectors import monitoring_rows
from sportloket.constants import Role
from sportloket.models import Desk, Municipality
from sportloket.selectors import municipality_list, user_scope
from subsidies.selectors import open_schemes

from . import serializers as s
from .errors import Invalid, form_errors
from .filters import PageFilterBackend
from .pagination import Cursor

# Public lists are read from the cache for this long: a partner's website may call them on
# every page view; a change in the admin shows within five minutes.
PUBLIC_CACHE_SECONDS = 300


def run_form(form_class, data, **kwargs):
    """Validate ``data`` (a JSON object) with the page's form: the same rules and messages."""
    if not isinstance(data, dict):
        raise Invalid({"non_field_errors": [_("Send the fields as a JSON object.")]})
    form = form_class(**kwargs)
    # A field left out gets what the page's form shows prefilled (a browser would post it).
    prefilled = {
        name: _as_form_value(form.get_initial_for_field(field, name))
        for name, field in form.fields.items()
        if name not in data and form.get_initial_for_field(field, name) not in (None, "", [])
    }
    data = {**prefilled, **data}
    form = form_class(data={k: _as_form_value(v) for k, v in data.items()}, **kwargs)
    if shape_errors := _shape_errors(form, data):
        raise Invalid(shape_errors)
    if not form.is_valid():
        raise Invalid(form_errors(form))
    return form


MAX_ID = 2**63 - 1


def _as_form_value(value):
    """A JSON value as a browser would post it: text (a list stays a list of texts)."""
    if isinstance(value, list):
        return [_as_form_value(v) for v in value]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


def _shape_errors(form, data: dict) -> dict[str, list[str]]:
    """JSON values a form field cannot take at all (a list for a text field, an object
    anywhere): refused with Django's own message rather than reaching the field."""
    invalid = str(_("Enter a valid value."))
    errors = {}
    for name, field in form.fields.items():
        value = data.get(name)
        multiple = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
        if isinstance(value, dict) or (isinstance(value, list) and not multiple):
            errors[name] = [invalid]
        elif isinstance(value, list) and any(isinstance(v, list | dict) for v in value):
            errors[name] = [invalid]
        elif isinstance(field, forms.ModelChoiceField) and any(
            _too_large(v) for v in (value if isinstance(value, list) else [value])
        ):
            errors[name] = [invalid]  # no row has such an id; the database cannot even take it
    return errors


def _too_large(value) -> bool:
    text = str(value).strip()
    return text.lstrip("-").isdigit() and abs(int(text)) > MAX_ID


# --- Public: no login, read-only, cached --------------------------------------------------------


class PublicView(ListAPIView):
    public = True
    authentication_classes: list = []
    pagination_class = None
    cache_name = ""

    def list(self, request, *args, **kwargs):
        key = f"api:public:{self.cache_name}:{translation.get_language()}:{timezone.localdate()}"
        data = cache.get(key)
        if data is None:
            data = self.get_serializer(self.rows(), many=True).data
            cache.set(key, data, PUBLIC_CACHE_SECONDS)
        return Response(data)


class PublicDeskList(PublicView):
    """Every desk: its name, the municipalities it serves and its mailbox."""

    serializer_class = s.PublicDeskSerializer
    cache_name = "desks"

    def rows(self) -> list:
        return list(Desk.objects.prefetch_related("municipalities").order_by("name"))


class PublicOfficeList(PublicView):
    """The POS offices that chose to be public, as their public pages show them: phase, the
    contact person (only with their recorded consent), the coming meetings open to
    entrepreneurs and the page's address. An office that is not public is not listed."""

    serializer_class = s.PublicOfficeSerializer
    cache_name = "pos-offices"

    def rows(self) -> list:
        return public_pages.public_office_list()


class PublicOfficeDetail(GenericAPIView):
    """One public POS office, by its page's address (the municipality's name as a slug). An
    office that is not public, has stopped or does not exist is the same 404."""

    public = True
    authentication_classes: list = []
    serializer_class = s.PublicOfficeSerializer

    def get(self, request, slug: str):
        key = f"api:public:pos-office:{slug}:{translation.get_language()}:{timezone.localdate()}"
        data = cache.get(key)
        if data is None:
            public = public_pages.public_office(offices.public_office_get(slug=slug))
            data = self.get_serializer(public).data
            cache.set(key, data, PUBLIC_CACHE_SECONDS)
        return Response(data)


class PublicSchemeList(PublicView):
    """Schemes and funds open today: for whom (target groups, themes) and who may apply."""

    serializer_class = s.PublicSchemeSerializer
    cache_name = "schemes"

    def rows(self) -> list:
        return open_schemes(on=timezone.localdate())


# --- Support questions ---------------------------------------------------------------------------


def question_detail(request, support_request) -> dict:
    scope = user_scope(request.user)
    support_request.can_triage = support.can_triage(scope, support_request)
    support_request.handovers_shown = list(
        support.visible_handovers(scope=scope, request=support_request)
    )
    support_request.events_shown = list(
        support.timeline(
            request=support_request,
            include_internal=support.sees_internal_notes(scope, support_request),
        )
    )
    return s.QuestionDetailSerializer(support_request).data


# What ``QuestionSerializer`` reads of a question itself (its relations come apart).
QUESTION_LIST_FIELDS = (*support.BOARD_ROW_FIELDS, "channel", "desk_id")


class QuestionList(ListAPIView):
    """The triage board's queue, with the board's filters (``status`` defaults to all open
    questions, like the board) and sort; cursor-paginated."""

    read_roles = READ_ROLES
    write_roles = DESK_ROLES
    serializer_class = s.QuestionSerializer
    filter_backends = [PageFilterBackend]
    filterset_class = SupportRequestFilter
    pagination_class = Cursor

    def get_queryset(self):
        # The page without joins, its related rows looked up apart (as the board's page): with
        # the five joins and the "not eligible" filter PostgreSQL spent 8-20 ms planning a
        # query that then ran in under 1 ms.
        return (
            support.board_queryset(user=self.request.user)
            .select_related(None)
            .only(*QUESTION_LIST_FIELDS)
        )

    @cached_property
    def choices(self) -> support.BoardOptions:
        """The filters' choices, read once: the filter validates against them and the page's
        municipalities, categories, organisations and assignees come from them."""
        return support.board_options(user=self.request.user)

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return support.attach_related(page, options=self.choices) if page else page

    def filter_data(self, request):
        data = request.query_params.copy()
        data.setdefault("status", OPEN)
        return data

    def filterset_extra_kwargs(self, request) -> dict:
        return {"options": self.choices, "user": request.user}

    def get_cursor_ordering(self, request) -> tuple[str, ...]:
        return SORTS.get(request.query_params.get("sort") or DEFAULT_SORT, SORTS[DEFAULT_SORT])[1]

    @extend_schema(request=s.QuestionCreateSerializer, responses={201: s.QuestionDetailSerializer})
    def post(self, request):
        profile = getattr(request.user, "staff_profile", None)
        if profile is None or profile.desk is None:
            raise Http404  # an account without a desk has nowhere to file it (as the page)
        form = run_form(
            StaffQuestionForm, request.data, providers=support.desk_providers(desk=profile.desk)
        )
        created = support_services.support_request_create(
            desk=profile.desk, by=request.user, **form.cleaned_data
        )
        fresh = support.support_request_get(user=request.user, pk=created.pk)
        return Response(question_detail(request, fresh), status=status.HTTP_201_CREATED)


class QuestionDetail(GenericAPIView):
    read_roles = READ_ROLES
    serializer_class = s.QuestionDetailSerializer

    def get(self, request, pk: int):
        support_request = support.support_request_get(user=request.user, pk=pk)
        return Response(question_detail(request, support_request))


class QuestionAction(GenericAPIView):
    """A desk action on one question: only its desk's own supporters (and administrators),
    like the page's action buttons."""

    read_roles = ()
    write_roles = DESK_ROLES
    serializer_class = s.QuestionDetailSerializer

    def triaged(self, request, pk: int):
        support_request = support.support_request_get(user=request.user, pk=pk)
        if not support.can_triage(user_scope(request.user), support_request):
            raise PermissionDenied(_("Your role does not give access to this page."))
        return support_request

    def done(self, request, pk: int) -> Response:
        fresh = support.support_request_get(user=request.user, pk=pk)
        return Response(question_detail(request, fresh))


class QuestionStatus(QuestionAction):
    """Change the status along the workflow (the page's status control and its messages)."""

    @extend_schema(request=s.StatusChangeSerializer, responses={200: s.QuestionDetailSerializer})
    def post(self, request, pk: int):
        support_request = self.triaged(request, pk)
        form = run_form(
            StatusForm, request.data, **RequestDetailView.status_form_kwargs(support_request)
        )
        support_services.support_request_transition(
            request=support_request,
            to=form.cleaned_data["status"],
            by=request.user,
            text=form.cleaned_data["text"],
        )
        return self.done(request, pk)


class QuestionHandover(QuestionAction):
    """Hand the question over warmly to a partner organisation of the desk, with a note."""

    @extend_schema(request=s.HandoverCreateSerializer, responses={200: s.QuestionDetailSerializer})
    def post(self, request, pk: int):
        support_request = self.triaged(request, pk)
        form = run_form(HandoverForm, request.data, desk_id=support_request.desk_id)
        support_services.handover_create(
            request=support_request,
            organisation=form.cleaned_data["organisation"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        return self.done(request, pk)


# --- Providers -------------------------------------------------------------------------------


def provider_form_data(provider) -> dict:
    """A stored provider as its form's data (for PATCH: fields left out keep their value)."""
    data = model_to_dict(provider, fields=ProviderForm.Meta.fields)
    data["sports"] = [sport.pk for sport in data.get("sports", [])]
    data["target_groups"] = [group.pk for group in data.get("target_groups", [])]
    data["phone"] = str(data.get("phone") or "")
    return {key: ("" if value is None else value) for key, value in data.items()}


class ProviderList(ListAPIView):
    """The registry with its filters (search, municipality, kind, sport, target group,
    status, social-safety basics), in name order; cursor-paginated."""

    read_roles = providers.READER_ROLES
    write_roles = providers.EDITOR_ROLES
    serializer_class = s.ProviderSerializer
    filter_backends = [PageFilterBackend]
    filterset_class = ProviderFilter
    pagination_class = Cursor

    def get_queryset(self):
        return providers.provider_list(user=self.request.user)

    def filter_data(self, request):
        data = request.query_params.copy()
        data.pop("order", None)
        return data

    def filterset_extra_kwargs(self, request) -> dict:
        return {"municipalities": municipality_list(user=request.user)}

    def get_cursor_ordering(self, request) -> tuple[str, ...]:
        return ("name", "id")

    @extend_schema(request=s.ProviderWriteSerializer, responses={201: s.ProviderDetailSerializer})
    def post(self, request):
        form = run_form(
            ProviderForm, request.data, municipalities=municipality_list(user=request.user)
        )
        provider = provider_services.provider_create(data=form.cleaned_data, actor=request.user)
        fresh = providers.provider_get(user=request.user, pk=provider.pk)
        return Response(s.ProviderDetailSerializer(fresh).data, status=status.HTTP_201_CREATED)


class ProviderDetail(GenericAPIView):
    read_roles = providers.READER_ROLES
    write_roles = providers.EDITOR_ROLES
    serializer_class = s.ProviderDetailSerializer

    def get(self, request, pk: int):
        return Response(self.get_serializer(providers.provider_get(user=request.user, pk=pk)).data)

    def save(self, request, pk: int, *, partial: bool) -> Response:
        provider = providers.provider_get(user=request.user, pk=pk)
        data = request.data
        if partial and isinstance(data, dict):
            data = {**provider_form_data(provider), **data}
        form = run_form(
            ProviderForm,
            data,
            instance=provider,
            municipalities=municipality_list(user=request.user),
        )
        provider_services.provider_update(
            provider=provider, data=form.cleaned_data, actor=request.user
        )
        fresh = providers.provider_get(user=request.user, pk=pk)
        return Response(self.get_serializer(fresh).data)

    @extend_schema(request=s.ProviderWriteSerializer)
    def put(self, request, pk: int):
        return self.save(request, pk, partial=False)

    @extend_schema(request=s.ProviderWriteSerializer)
    def patch(self, request, pk: int):
        return self.save(request, pk, partial=True)


class ProviderEligibility(GenericAPIView):
    """Eligibility for club support (seed 003): each of the four basic requirements met or
    being worked on; the e-learning is recorded but does not decide it."""

    read_roles = providers.READER_ROLES
    serializer_class = s.EligibilitySerializer

    def get(self, request, pk: int):
        provider = providers.provider_get(user=request.user, pk=pk)
        requirements = [
            {
                "key": key,
                "label": str(label),
                "status": getattr(provider, f"{key}_status"),
                "since": getattr(provider, f"{key}_date"),
                "decides_eligibility": key in BASIC_REQUIREMENTS,
            }
            for key, label in SAFETY_BASICS.items()
        ]
        data = {
            "provider": provider.pk,
            "eligible": providers.provider_is_eligible(provider),
            "requirements": requirements,
        }
        return Response(self.get_serializer(data).data)


# --- POS offices -----------------------------------------------------------------------------

OFFICE_FILTERS = [
    OpenApiParameter("step", OpenApiTypes.STR, description="Current founding step (code)."),
    OpenApiParameter("status", OpenApiTypes.STR, description="Office status."),
    OpenApiParameter("province", OpenApiTypes.STR),
    OpenApiParameter("overdue", OpenApiTypes.BOOL, description="Only offices with a late step."),
]


@extend_schema_view(get=extend_schema(parameters=OFFICE_FILTERS))
class OfficeList(ListAPIView):
    """The offices in your scope with the office list's filters, each with its earliest open
    deadline; cursor-paginated."""

    read_roles = OFFICE_READERS
    serializer_class = s.OfficeSerializer
    pagination_class = Cursor

    def get_cursor_ordering(self, request) -> tuple[str, ...]:
        return ("id",)

    def list(self, request, *args, **kwargs):
        provinces = sorted(set(Municipality.objects.values_list("province", flat=True)))
        query = {k: v for k, v in request.query_params.items() if k in OfficeFilterForm.base_fields}
        form = OfficeFilterForm(query, provinces=provinces)
        if not form.is_valid():
            raise Invalid(form_errors(form))
        qs = offices.office_list(user=request.user, filters=form.cleaned_data)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class OfficeDetail(GenericAPIView):
    """One office with its founding steps and their deadlines."""

    read_roles = OFFICE_READERS
    serializer_class = s.OfficeDetailSerializer

    def get(self, request, pk: int):
        return Response(self.get_serializer(offices.office_get(user=request.user, pk=pk)).data)


# --- Monitoring ------------------------------------------------------------------------------

MONITORING_KEYS = [
    "cbs_code",
    "municipality",
    "province",
    "pos_office_status",
    "current_step",
    "days_overdue",
    "core_group_entrepreneurs",
    "guideline",
    "active_providers",
    "active_sport_entrepreneurs",
    "providers_meeting_safety_basics",
    "questions_received",
    "questions_handed_over",
    "entrepreneurs_reached_with_schemes",
]
NUMERIC = {"days_overdue", "core_group_entrepreneurs"}
FIRST_MONITOR_YEAR, LAST_MONITOR_YEAR = 2020, 2100


class Monitoring(GenericAPIView):
    """The Sportakkoord monitor's figures per municipality in your scope for one year: the
    same rows as the monitor spreadsheet."""

    read_roles = (Role.POS_STAFF, Role.POLICY_STAFF)
    serializer_class = s.MonitoringSerializer
    throttle_kind = "export"

    def get(self, request, year: int):
        if not FIRST_MONITOR_YEAR <= year <= LAST_MONITOR_YEAR:
            raise Http404
        _header, rows = monitoring_rows(user=request.user, year=year)
        municipalities = [
            {
                key: None if value == "" and key in NUMERIC else value
                for key, value in zip(MONITORING_KEYS, row, strict=True)
            }
            for row in rows
        ]
        return Response(self.get_serializer({"year": year, "municipalities": municipalities}).data)


class NotFound(GenericAPIView):
    """Any other path under /api/v1/ (also a malformed id): a JSON 404, not the HTML page."""

    public = True
    authentication_classes: list = []
    schema = None

    def dispatch(self, request, *args, **kwargs):
        self.http_method_names = [m for m in self.http_method_names if m != "options"]
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        raise Http404

    post = put = patch = delete = head = get
