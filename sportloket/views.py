from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from . import selectors, services, twofactor
from .constants import Role
from .forms import CoachForm, GoalForm, ProgressForm
from .models import GoalProgress, Municipality, NeighbourhoodSportCoach, SmartGoal
from .permissions import RoleRequiredMixin
from .selectors import staff_profile, user_scope
from .services import DomainError

# Each app may contribute a block to the home page and to the navigation. The block itself
# decides, by role, what it shows; access control stays in the views it links to.
APP_LABELS = ("providers", "poskantoor", "meetings", "network", "subsidies")


def existing_templates(names: list[str]) -> list[str]:
    found = []
    for name in names:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found


class HomeView(LoginRequiredMixin, TemplateView):
    """The start page of each role: links to that role's work."""

    template_name = "sportloket/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = staff_profile(self.request.user)
        context["scope"] = user_scope(self.request.user)
        context["home_blocks"] = existing_templates([f"{app}/_home.html" for app in APP_LABELS])
        context["recovery_codes_left"] = twofactor.recovery_codes_left(self.request.user)
        context["recovery_codes_low"] = twofactor.RECOVERY_CODES_LOW
        return context


class PrivacyView(TemplateView):
    template_name = "sportloket/privacy.html"


# --- Neighbourhood sport coaches (seed 004) --------------------------------------------------


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


class CoachListView(RoleRequiredMixin, View):
    """Policy staff: their municipality's coaches with goal flags, and a form to add one.
    POS staff read every municipality's coaches."""

    allowed_roles = (Role.POLICY_STAFF, Role.POS_STAFF)
    template_name = "sportloket/coaches.html"

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
    template_name = "sportloket/coach_detail.html"

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
