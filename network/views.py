"""Thin views of the network: desk quality, network map, desks compared, signals, coaches."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from meetings.themes import Quarter, quarter_counts, rising_among
from sportloket.constants import Role
from sportloket.formviews import ServiceFormView
from sportloket.models import Desk, Municipality
from sportloket.permissions import RoleRequiredMixin
from sportloket.selectors import desk_get, desk_list
from sportloket.services import DomainError

from . import selectors, services
from .forms import CoachForm, GoalForm, NetworkFilterForm, ProgressForm, SignalForm, TickForm
from .models import GoalProgress, NeighbourhoodSportCoach, SmartGoal
from .quality import SPORTAKKOORD_DESK_TARGET, desk_criteria, desks_meeting_all

READ_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF)


def _desk(user, pk: int) -> Desk:
    try:
        return desk_get(user=user, pk=pk)
    except Desk.DoesNotExist as exc:
        raise Http404 from exc


def _quality_context(request, *, desk: Desk, manages: bool, tick_form=None) -> dict:
    today = timezone.localdate()
    quarter = Quarter.parse(request.GET.get("kwartaal"), default=Quarter.of(today))
    theme_counts, category_counts = quarter_counts(desk=desk, quarter=quarter)
    return {
        "desk": desk,
        "quality": desk_criteria([desk], on=today)[0],
        "quarter": quarter,
        "theme_counts": theme_counts,
        "category_counts": category_counts,
        "rising": rising_among(theme_counts),
        "signals": selectors.signals_for_desk(desk=desk),
        "tick_form": (tick_form or TickForm()) if manages else None,
    }


class DeskQualityView(RoleRequiredMixin, View):
    """How many criteria a desk meets and what is missing; its signals and rising themes."""

    allowed_roles = READ_ROLES

    def get(self, request, pk):
        manages = self.scope.role in (Role.CLUB_SUPPORTER, Role.ADMINISTRATOR)
        context = _quality_context(request, desk=_desk(request.user, pk), manages=manages)
        return render(request, "network/quality.html", context)


class TickView(RoleRequiredMixin, ServiceFormView):
    """Tick or untick a manual criterion (club supporters of the desk)."""

    allowed_roles = (Role.CLUB_SUPPORTER,)
    template_name = "network/quality.html"
    form_class = TickForm
    success_message = gettext_lazy("Criterion ticked.")

    def get(self, request, pk):
        return redirect("network:quality", pk=pk)

    def post(self, request, pk):
        self.desk = _desk(request.user, pk)
        if request.POST.get("untick"):
            try:
                services.criterion_untick(
                    desk=self.desk, criterion=request.POST["untick"], by=request.user
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("network:quality", pk=self.desk.pk)
        return super().post(request, pk)

    def get_context_data(self, **kwargs):
        return _quality_context(
            self.request, desk=self.desk, manages=True, tick_form=kwargs["form"]
        )

    def perform(self, form):
        services.criterion_tick(desk=self.desk, by=self.request.user, **form.cleaned_data)

    def get_success_url(self):
        return reverse("network:quality", args=[self.desk.pk])


class DeskNetworkView(RoleRequiredMixin, View):
    """The desk's partners by domain and theme, with contact persons and the platform's role."""

    rate_limit = "search"

    allowed_roles = READ_ROLES
    template_name = "network/network.html"

    def get(self, request, pk):
        desk = _desk(request.user, pk)
        form = NetworkFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        theme = filters.get("theme")
        partners = selectors.network_partners(
            desk=desk,
            domain=filters.get("domain", ""),
            theme_id=theme.pk if theme else None,
            text=filters.get("q", ""),
        )
        return render(
            request,
            self.template_name,
            {"desk": desk, "form": form, "partners": partners, "filtered": bool(filters)},
            status=200 if form.is_valid() or not request.GET else 400,
        )


class DeskComparisonView(RoleRequiredMixin, View):
    """All desks in scope side by side, criterion by criterion (a fixed number of queries)."""

    rate_limit = "search"

    allowed_roles = (Role.POS_STAFF, Role.POLICY_STAFF)
    template_name = "network/comparison.html"

    def get(self, request):
        qualities = desk_criteria(desk_list(user=request.user), on=timezone.localdate())
        criteria = qualities[0].results if qualities else []
        return render(
            request,
            self.template_name,
            {
                "qualities": qualities,
                "criteria": [r.criterion for r in criteria],
                "meeting_all": desks_meeting_all(qualities),
                "target": SPORTAKKOORD_DESK_TARGET,
            },
        )


class SignalsView(RoleRequiredMixin, ServiceFormView):
    """Signals of the desks in scope, and recording a new one for the strategic agenda."""

    rate_limit = "search"

    allowed_roles = READ_ROLES
    template_name = "network/signals.html"
    form_class = SignalForm
    success_url = reverse_lazy("network:signals")
    success_message = gettext_lazy("Signal recorded.")

    def get_form_kwargs(self):
        desks = desk_list(user=self.request.user).order_by("name")
        return {**super().get_form_kwargs(), "desks": desks}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            signals=selectors.signal_list(user=self.request.user)[:100],
            desks=list(desk_list(user=self.request.user).order_by("name")),
            **kwargs,
        )

    def perform(self, form):
        services.signal_record(by=self.request.user, **form.cleaned_data)


# --- Neighbourhood sport coaches (seed 004) --------------------------------------------------


class CoachListView(RoleRequiredMixin, ServiceFormView):
    """Policy staff: their municipality's coaches with goal flags, and a form to add one.
    POS staff read every municipality's coaches."""

    rate_limit = "search"

    allowed_roles = (Role.POLICY_STAFF, Role.POS_STAFF)
    template_name = "network/coaches.html"
    form_class = CoachForm

    def may_manage(self) -> bool:
        return self.scope.role in (Role.POLICY_STAFF, Role.ADMINISTRATOR)

    def get_context_data(self, **kwargs):
        coaches = list(selectors.coach_list(user=self.request.user))
        statuses = selectors.goal_statuses(
            SmartGoal.objects.filter(coach__in=coaches), on=timezone.localdate()
        )
        flagged: dict[int, int] = {}
        for status_ in statuses:
            if status_.flags:
                flagged[status_.goal.coach_id] = flagged.get(status_.goal.coach_id, 0) + 1
        rows = [(coach, flagged.get(coach.pk, 0)) for coach in coaches]
        form = kwargs.pop("form", None) or self.get_form()
        return super().get_context_data(
            rows=rows, form=form if self.may_manage() else None, **kwargs
        )

    def post(self, request, *args, **kwargs):
        if not self.may_manage():
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        municipality_id = next(iter(self.scope.municipality_ids or []), None)
        if municipality_id is None:
            raise DomainError(_("Administrators add coaches in the admin."))
        data = {f: form.cleaned_data[f] for f in CoachForm.Meta.fields}
        coach = services.coach_create(
            municipality=Municipality.objects.get(pk=municipality_id),
            data=data,
            by=self.request.user,
        )
        messages.success(self.request, _("Coach %(name)s added.") % {"name": coach.name})
        return coach


class CoachDetailView(RoleRequiredMixin, ServiceFormView):
    """A coach's SMART goals with latest measurement, flags and progress; forms for policy staff.
    One page, two forms: ``action=progress`` posts a measurement, otherwise a new goal."""

    allowed_roles = (Role.POLICY_STAFF, Role.POS_STAFF)
    template_name = "network/coach_detail.html"

    @cached_property
    def coach(self) -> NeighbourhoodSportCoach:
        try:
            return selectors.coach_get(user=self.request.user, pk=self.kwargs["pk"])
        except NeighbourhoodSportCoach.DoesNotExist as exc:
            raise Http404 from exc

    def manages(self) -> bool:
        return self.scope.role in (Role.POLICY_STAFF, Role.ADMINISTRATOR)

    def posts_progress(self) -> bool:
        return self.request.method == "POST" and self.request.POST.get("action") == "progress"

    def get_form_class(self):
        return ProgressForm if self.posts_progress() else GoalForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.posts_progress():
            kwargs["goals"] = self.coach.goals.all()
        return kwargs

    def get_success_message(self, form):
        if self.posts_progress():
            return _("Progress recorded.")
        return _("SMART goal recorded.")

    def get_context_data(self, **kwargs):
        coach, manage = self.coach, self.manages()
        goals = coach.goals.all()
        bound = kwargs.pop("form", None)
        goal_form = bound if isinstance(bound, GoalForm) and bound.is_bound else GoalForm()
        progress_form = bound if isinstance(bound, ProgressForm) else ProgressForm(goals=goals)
        return super().get_context_data(
            coach=coach,
            statuses=selectors.goal_statuses(goals, on=timezone.localdate()),
            progress=GoalProgress.objects.filter(goal__coach=coach).select_related("goal")[:100],
            goal_form=goal_form if manage else None,
            progress_form=progress_form if manage else None,
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        self.coach  # noqa: B018 - 404 outside the user's scope before the 403 below
        if not self.manages():
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        if self.posts_progress():
            services.goal_progress_record(by=self.request.user, **form.cleaned_data)
        else:
            services.goal_create(coach=self.coach, data=form.cleaned_data, by=self.request.user)
        return self.coach
