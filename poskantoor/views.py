"""Thin views: validate a form, call one service, add a message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.generic import TemplateView

from sportloket.appregistry import existing_templates
from sportloket.constants import Role
from sportloket.models import Municipality
from sportloket.permissions import RoleRequiredMixin
from sportloket.ratelimit import ratelimit_post
from sportloket.tokens import InvalidToken, read_token

from . import selectors, services
from .constants import OfficeStatus, StepCode
from .decisions.forms import DecisionConfirmForm, DecisionObjectForm, MappingForm
from .decisions.selectors import decision_panel
from .forms import (
    CoreMemberForm,
    InterestForm,
    OfficeFilterForm,
    OfficeVersionForm,
    StartSessionForm,
    StepCompleteForm,
    YearPlanForm,
)
from .hooks import year_plan_meetings
from .models import InterestRegistration

EDITOR_ROLES = (Role.POLICY_STAFF, Role.POS_STAFF)
READER_ROLES = (Role.POLICY_STAFF, Role.POS_STAFF, Role.CLUB_SUPPORTER)


# --- Public interest form -------------------------------------------------------------------


@ratelimit_post("pos-interest")
def interest_create(request):
    form = InterestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.is_spam():
            return redirect("poskantoor:interest_sent")
        try:
            services.interest_register(data=form.cleaned_data)
        except services.PosOfficeError as exc:
            form.add_error("municipality", exc.message)
        else:
            return redirect("poskantoor:interest_sent")
    return render(request, "poskantoor/interest_form.html", {"form": form})


class InterestSentView(TemplateView):
    template_name = "poskantoor/interest_sent.html"


class InterestConfirmView(View):
    """GET shows a button, POST confirms: link scanners in mail servers never confirm."""

    rate_limit = "public_form"

    template_name = "poskantoor/interest_confirm.html"

    def _registration(self, token: str) -> InterestRegistration | None:
        try:
            pk = read_token(services.CONFIRM_PURPOSE, token)
        except InvalidToken as exc:
            self.expired = exc.expired
            return None
        return InterestRegistration.objects.select_related("municipality").filter(pk=pk).first()

    def get(self, request, token):
        self.expired = False
        registration = self._registration(token)
        return render(
            request,
            self.template_name,
            {"registration": registration, "expired": self.expired, "done": False},
        )

    def post(self, request, token):
        self.expired = False
        registration = self._registration(token)
        if registration is None:
            return render(
                request, self.template_name, {"registration": None, "expired": self.expired}
            )
        try:
            office = services.interest_confirm(registration_id=registration.pk)
        except services.PosOfficeError as exc:
            messages.error(request, exc.message)
            office = None
        return render(
            request,
            self.template_name,
            {"registration": registration, "office": office, "done": office is not None},
        )


# --- Staff pages ----------------------------------------------------------------------------


class OfficeListView(RoleRequiredMixin, TemplateView):
    rate_limit = "search"
    allowed_roles = READER_ROLES
    template_name = "poskantoor/office_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        provinces = sorted(set(Municipality.objects.values_list("province", flat=True).distinct()))
        form = OfficeFilterForm(self.request.GET or None, provinces=provinces)
        filters = form.cleaned_data if form.is_valid() else {}
        offices = selectors.office_list(user=self.request.user, filters=filters)
        page = Paginator(offices, 50).get_page(self.request.GET.get("page"))
        query = self.request.GET.copy()
        query.pop("page", None)
        context.update(
            form=form,
            page_obj=page,
            offices=page.object_list,
            query=query.urlencode(),
            # Columns other apps add (e.g. the guideline check of meetings), if installed.
            office_columns=existing_templates(["meetings/_office_list_column.html"]),
        )
        return context


class OfficeMixin(RoleRequiredMixin):
    allowed_roles = READER_ROLES

    def get_office(self):
        return selectors.office_get(user=self.request.user, pk=self.kwargs["pk"])


class OfficeDetailView(OfficeMixin, TemplateView):
    template_name = "poskantoor/office_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        office = self.get_office()
        context.update(
            office=office,
            timeline=selectors.office_timeline(office),
            next_action=selectors.next_action(office),
            conditions=selectors.basic_conditions(office),
            audit_events=selectors.office_audit(office),
            can_edit=self.scope.role in (*EDITOR_ROLES, Role.ADMINISTRATOR),
            can_move_version=self.scope.role in (Role.POS_STAFF, Role.ADMINISTRATOR),
            version_form=OfficeVersionForm(office=office),
            session_form=StartSessionForm(),
            sessions_left=selectors.sessions_left(office),
            step_5_open=office.is_open and office.current_step == StepCode.START_SESSIONS,
            year_plans=selectors.year_plans_of(office=office),
            this_year=timezone.localdate().year,
            # Blocks other apps add (e.g. meetings, guideline, agreements), if installed.
            office_blocks=existing_templates(["meetings/_office_meetings.html"]),
            decision=decision_panel(office=office, user=self.request.user),
            confirm_form=DecisionConfirmForm(),
            object_form=DecisionObjectForm(),
            mapping_form=MappingForm(),
        )
        return context


class EditorMixin(OfficeMixin):
    allowed_roles = EDITOR_ROLES


class StepCompleteView(EditorMixin, View):
    template_name = "poskantoor/step_complete.html"

    def _step(self, office):
        step = next((s for s in office.steps.all() if s.pk == self.kwargs["step_pk"]), None)
        if step is None:
            raise Http404
        return step

    def get(self, request, pk, step_pk):
        office = self.get_office()
        step = self._step(office)
        if step.code == StepCode.KARTREKKERS:  # a joint decision, not one side's completion
            return redirect("poskantoor:decision_propose", pk=office.pk)
        form = StepCompleteForm(step=step)
        return render(request, self.template_name, {"office": office, "step": step, "form": form})

    def post(self, request, pk, step_pk):
        office = self.get_office()
        step = self._step(office)
        if step.code == StepCode.KARTREKKERS:
            messages.error(
                request,
                _("POS and the municipality decide GO / NO-GO jointly: record it here."),
            )
            return redirect("poskantoor:decision_propose", pk=office.pk)
        form = StepCompleteForm(request.POST, step=step)
        if form.is_valid():
            data = form.cleaned_data
            planned_on = None if form.fields["planned_on"].disabled else data["planned_on"]
            try:
                if data["held_on"]:
                    services.step_complete(
                        step=step,
                        on=data["held_on"],
                        planned_on=planned_on,
                        by=request.user,
                        evidence_note=data["evidence_note"],
                        decision=data.get("decision", ""),
                        stop_reason=data.get("stop_reason", ""),
                    )
                    done = _("Step %(code)s has been completed.")
                else:
                    services.step_plan(
                        step=step,
                        on=planned_on,
                        by=request.user,
                        evidence_note=data["evidence_note"],
                    )
                    done = _("Step %(code)s has been planned.")
            except services.PosOfficeError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, done % {"code": step.code})
                return HttpResponseRedirect(office.get_absolute_url())
        return render(request, self.template_name, {"office": office, "step": step, "form": form})


class OfficeVersionView(RoleRequiredMixin, View):
    """POS moves an office onto another published process version (audited; its open
    deadlines are recomputed)."""

    allowed_roles = (Role.POS_STAFF, Role.ADMINISTRATOR)

    def post(self, request, pk):
        office = selectors.office_get(user=request.user, pk=pk)
        form = OfficeVersionForm(request.POST, office=office)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(office.get_absolute_url())
        version = form.cleaned_data["version"]
        try:
            changed = services.office_move_to_version(
                office=office, version=version, by=request.user
            )
        except services.PosOfficeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                ngettext(
                    "The office now works with version %(number)d; %(n)d deadline recomputed.",
                    "The office now works with version %(number)d; %(n)d deadlines recomputed.",
                    len(changed),
                )
                % {"number": version.number, "n": len(changed)},
            )
        return HttpResponseRedirect(office.get_absolute_url())


class StartSessionView(EditorMixin, View):
    def post(self, request, pk):
        office = self.get_office()
        form = StartSessionForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(office.get_absolute_url())
        data = form.cleaned_data
        try:
            session = services.start_session_record(
                office=office,
                number=len(office.start_sessions.all()) + 1,
                topic=data["topic"],
                held_on=data["held_on"],
                by=request.user,
                evidence_note=data["evidence_note"],
            )
        except services.PosOfficeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("Start session %(number)d has been recorded.") % {"number": session.number},
            )
        return HttpResponseRedirect(office.get_absolute_url())


class CoreMemberAddView(EditorMixin, View):
    template_name = "poskantoor/member_form.html"

    def get(self, request, pk):
        office = self.get_office()
        form = CoreMemberForm(office=office)
        return render(request, self.template_name, {"office": office, "form": form})

    def post(self, request, pk):
        office = self.get_office()
        form = CoreMemberForm(request.POST, office=office)
        if form.is_valid():
            try:
                services.core_member_add(office=office, data=form.cleaned_data, by=request.user)
            except services.PosOfficeError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The core group member has been added."))
                return HttpResponseRedirect(office.get_absolute_url())
        return render(request, self.template_name, {"office": office, "form": form})


class CoreMemberRemoveView(EditorMixin, View):
    def post(self, request, pk, member_pk):
        office = self.get_office()
        member = get_object_or_404(office.core_members.all(), pk=member_pk)
        services.core_member_remove(member=member, by=request.user)
        messages.success(request, _("The core group member has been removed."))
        return HttpResponseRedirect(office.get_absolute_url())


# --- Year plans -----------------------------------------------------------------------------


class YearPlanMixin(OfficeMixin):
    def get_year(self) -> int:
        year = self.kwargs["year"]
        if not 2020 <= year <= 2100:
            raise Http404
        return year


class YearPlanView(YearPlanMixin, View):
    """The plan of one year: read for every reader, a form for the core group's staff."""

    template_name = "poskantoor/year_plan.html"

    def _render(self, request, office, year, plan, form):
        can_edit = self.scope.role in (*EDITOR_ROLES, Role.ADMINISTRATOR) and (
            office.status != OfficeStatus.STOPPED
        )
        return render(
            request,
            self.template_name,
            {
                "office": office,
                "year": year,
                "plan": plan,
                "form": form if can_edit else None,
                "meetings": year_plan_meetings(office=office, year=year),
                "budget_total": selectors.budget_total(plan) if plan else None,
                "other_plans": selectors.year_plans_of(office=office),
            },
        )

    def get(self, request, pk, year):
        office = self.get_office()
        year = self.get_year()
        plan = selectors.year_plan_for(office=office, year=year)
        form = YearPlanForm(initial=YearPlanForm.initial_for(plan))
        return self._render(request, office, year, plan, form)

    def post(self, request, pk, year):
        office = self.get_office()
        year = self.get_year()
        if self.scope.role not in (*EDITOR_ROLES, Role.ADMINISTRATOR):
            raise PermissionDenied
        form = YearPlanForm(request.POST)
        if form.is_valid():
            try:
                services.year_plan_save(
                    office=office, year=year, data=form.cleaned_data, by=request.user
                )
            except services.PosOfficeError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("The year plan has been saved; the PDF is being generated."),
                )
                return redirect("poskantoor:year_plan", pk=office.pk, year=year)
        plan = selectors.year_plan_for(office=office, year=year)
        return self._render(request, office, year, plan, form)


class YearPlanPdfView(YearPlanMixin, View):
    """The stored PDF, only when it shows the current version; else "being generated"."""

    rate_limit = "export"

    def get(self, request, pk, year):
        office = self.get_office()
        plan = selectors.year_plan_for(office=office, year=self.get_year())
        if plan is None:
            raise Http404
        if plan.pdf_is_current:
            return FileResponse(
                plan.pdf.open("rb"),
                as_attachment=True,
                filename=f"jaarplan-{slugify(office.municipality.name)}-{plan.year}.pdf",
                content_type="application/pdf",
            )
        services.year_plan_request_render(plan=plan)
        response = render(
            request, "poskantoor/year_plan_pending.html", {"office": office, "plan": plan}
        )
        response.status_code = 202
        response["Cache-Control"] = "no-store"
        return response


class YearPlanPdfStatusView(YearPlanMixin, View):
    """The PDF's status fragment that htmx polls every 2 s while the PDF is being generated;
    once it is there, the fragment holds the download link and polling stops. Read-only, so
    polling costs one query and is not counted as an export. Without htmx: on to the PDF."""

    def get(self, request, pk, year):
        office = self.get_office()
        plan = selectors.year_plan_for(office=office, year=self.get_year())
        if plan is None:
            raise Http404
        if request.headers.get("HX-Request") == "true":
            response = render(
                request,
                "poskantoor/_year_plan_pdf_status.html",
                {"office": office, "plan": plan},
            )
        else:
            response = redirect("poskantoor:year_plan_pdf", pk=office.pk, year=plan.year)
        patch_vary_headers(response, ["HX-Request"])
        response["Cache-Control"] = "no-store"
        return response
