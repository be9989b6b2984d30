"""Thin views of the network: desk quality, network map, desks compared, signals, coaches."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from meetings.themes import Quarter, quarter_counts, rising_among
from sportloket.constants import Role
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


def _quality_page(request, *, desk: Desk, manages: bool, tick_form=None, status=200):
    today = timezone.localdate()
    quarter = Quarter.parse(request.GET.get("kwartaal"), default=Quarter.of(today))
    theme_counts, category_counts = quarter_counts(desk=desk, quarter=quarter)
    context = {
        "desk": desk,
        "quality": desk_criteria([desk], on=today)[0],
        "quarter": quarter,
        "theme_counts": theme_counts,
        "category_counts": category_counts,
        "rising": rising_among(theme_counts),
        "signals": selectors.signals_for_desk(desk=desk),
        "tick_form": (tick_form or TickForm()) if manages else None,
    }
    return render(request, "network/quality.html", context, status=status)


class DeskQualityView(RoleRequiredMixin, View):
    """How many criteria a desk meets and what is missing; its signals and rising themes."""

    allowed_roles = READ_ROLES

    def get(self, request, pk):
        manages = self.scope.role in (Role.CLUB_SUPPORTER, Role.ADMINISTRATOR)
        return _quality_page(request, desk=_desk(request.user, pk), manages=manages)


class TickView(RoleRequiredMixin, View):
    """Tick or untick a manual criterion (club supporters of the desk)."""

    allowed_roles = (Role.CLUB_SUPPORTER,)

    def post(self, request, pk):
        desk = _desk(request.user, pk)
        if request.POST.get("untick"):
            try:
                services.criterion_untick(
                    desk=desk, criterion=request.POST["untick"], by=request.user
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("network:quality", pk=desk.pk)
        form = TickForm(request.POST)
        if not form.is_valid():
            return _quality_page(request, desk=desk, manages=True, tick_form=form, status=400)
        try:
            services.criterion_tick(desk=desk, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return _quality_page(request, desk=desk, manages=True, tick_form=form, status=400)
        messages.success(request, _("Criterion ticked."))
        return redirect("network:quality", pk=desk.pk)


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


class SignalsView(RoleRequiredMixin, View):
    """Signals of the desks in scope, and recording a new one for the strategic agenda."""

    rate_limit = "search"

    allowed_roles = READ_ROLES
    template_name = "network/signals.html"

    def render_page(self, form, status=200):
        desks = list(desk_list(user=self.request.user).order_by("name"))
        signals = selectors.signal_list(user=self.request.user)[:100]
        return render(
            self.request,
            self.template_name,
            {"form": form, "signals": signals, "desks": desks},
            status=status,
        )

    def form(self, data=None):
        return SignalForm(data, desks=desk_list(user=self.request.user).order_by("name"))

    def get(self, request):
        return self.render_page(self.form())

    def post(self, request):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        try:
            services.signal_record(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_page(form, status=400)
        messages.success(request, _("Signal recorded."))
        return redirect("network:signals")


# --- Neighbourhood sport coaches (seed 004) --------------------------------------------------


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


class CoachListView(RoleRequiredMixin, View):
    """Policy staff: their municipality's coaches with goal flags, and a form to add one.
    POS staff read every municipality's coaches."""

    rate_limit = "search"

    allowed_roles = (Role.POLICY_STAFF, Role.POS_STAFF)
    template_name = "network/coaches.html"

    def may_manage(self) -> bool:
        return self.scope.role in (Role.POLICY_STAFF, Role.ADMINISTRATOR)

    def render_page(self, form, status=200):
        coaches = list(selectors.coach_list(user=self.request.user))
        statuses = selectors.goal_statuses(
            SmartGoal.objects.filter(coach__in=coaches), on=timezone.localdate()
        )
        flagged: dict[int, int] = {}
        for status_ in statuses:
            if status_.flags:
                flagged[status_.goal.coach_id] = flagged.get(status_.goal.coach_id, 0) + 1
        rows = [(coach, flagged.get(coach.pk, 0)) for coach in coaches]
        context = {"rows": rows, "form": form if self.may_manage() else None}
        return render(self.request, self.template_name, context, status=status)

    def get(self, request):
        return self.render_page(CoachForm())

    def post(self, request):
        if not self.may_manage():
            raise PermissionDenied
        form = CoachForm(request.POST)
        municipality_id = next(iter(self.scope.municipality_ids or []), None)
        if not form.is_valid() or municipality_id is None:
            if municipality_id is None:
                form.add_error(None, _("Administrators add coaches in the admin."))
            return self.render_page(form, status=400)
        data = {f: form.cleaned_data[f] for f in CoachForm.Meta.fields}
        try:
            coach = services.coach_create(
                municipality=Municipality.objects.get(pk=municipality_id),
                data=data,
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_page(form, status=400)
        messages.success(request, _("Coach %(name)s added.") % {"name": coach.name})
        return redirect(coach.get_absolute_url())


class CoachDetailView(RoleRequiredMixin, View):
    """A coach's SMART goals with latest measurement, flags and progress; forms for policy staff."""

    allowed_roles = (Role.POLICY_STAFF, Role.POS_STAFF)
    template_name = "network/coach_detail.html"

    def coach(self, pk: int):
        try:
            return selectors.coach_get(user=self.request.user, pk=pk)
        except NeighbourhoodSportCoach.DoesNotExist as exc:
            raise Http404 from exc

    def render_page(self, coach, goal_form=None, progress_form=None, status=200):
        goals = coach.goals.all()
        manage = self.scope.role in (Role.POLICY_STAFF, Role.ADMINISTRATOR)
        context = {
            "coach": coach,
            "statuses": selectors.goal_statuses(goals, on=timezone.localdate()),
            "progress": GoalProgress.objects.filter(goal__coach=coach).select_related("goal")[:100],
            "goal_form": (goal_form or GoalForm()) if manage else None,
            "progress_form": (progress_form or ProgressForm(goals=goals)) if manage else None,
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        return self.render_page(self.coach(pk))

    def post(self, request, pk):
        coach = self.coach(pk)
        if self.scope.role not in (Role.POLICY_STAFF, Role.ADMINISTRATOR):
            raise PermissionDenied
        if request.POST.get("action") == "progress":
            return self._progress(coach)
        return self._goal(coach)

    def _goal(self, coach):
        form = GoalForm(self.request.POST)
        if not form.is_valid():
            return self.render_page(coach, goal_form=form, status=400)
        try:
            services.goal_create(coach=coach, data=form.cleaned_data, by=self.request.user)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_page(coach, goal_form=form, status=400)
        messages.success(self.request, _("SMART goal recorded."))
        return redirect(coach.get_absolute_url())

    def _progress(self, coach):
        form = ProgressForm(self.request.POST, goals=coach.goals.all())
        if not form.is_valid():
            return self.render_page(coach, progress_form=form, status=400)
        try:
            services.goal_progress_record(by=self.request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_page(coach, progress_form=form, status=400)
        messages.success(self.request, _("Progress recorded."))
        return redirect(coach.get_absolute_url())
