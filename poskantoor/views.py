"""Thin views: a form, one service call, a message, a redirect; a refusal is the same page
with the service's message (``ServiceFormView``, status 400)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views import View
from django.views.generic import TemplateView

from sportloket.appregistry import existing_templates
from sportloket.constants import Role
from sportloket.downloads import private_download
from sportloket.formviews import ServiceFormView
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
    OfficePublicFaceForm,
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


@method_decorator(ratelimit_post("pos-interest"), name="dispatch")
class InterestView(ServiceFormView):
    """The public interest form (step 1); a municipality that already has an office is told
    so at the municipality field."""

    template_name = "poskantoor/interest_form.html"
    form_class = InterestForm
    success_url = reverse_lazy("poskantoor:interest_sent")
    error_fields = {services.PosOfficeError: "municipality"}

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_spam():
            return redirect(self.success_url)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def perform(self, form):
        return services.interest_register(data=form.cleaned_data)


class InterestSentView(TemplateView):
    template_name = "poskantoor/interest_sent.html"


class InterestConfirmView(ServiceFormView):
    """GET shows a button, POST confirms: link scanners in mail servers never confirm.

    An invalid or expired link is a page that says so (nothing to confirm, no form); a
    refusal of the confirmation itself is the button's page again with the message (400)."""

    rate_limit = "public_form"

    template_name = "poskantoor/interest_confirm.html"
    form_class = forms.Form

    expired = False

    @cached_property
    def registration(self) -> InterestRegistration | None:
        try:
            pk = read_token(services.CONFIRM_PURPOSE, self.kwargs["token"])
        except InvalidToken as exc:
            self.expired = exc.expired
            return None
        return InterestRegistration.objects.select_related("municipality").filter(pk=pk).first()

    def post(self, request, *args, **kwargs):
        if self.registration is None:
            return self.render_to_response(self.get_context_data())
        return super().post(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        registration = self.registration
        return super().get_context_data(
            **{"registration": registration, "expired": self.expired, "done": False, **kwargs}
        )

    def perform(self, form):
        office = services.interest_confirm(registration_id=self.registration.pk)
        return self.render_to_response(self.get_context_data(office=office, done=True))


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
            can_set_public=self.scope.role in services.PUBLIC_FACE_ROLES,
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


class OfficeActionView(OfficeDetailView, ServiceFormView):
    """A form posted from the office page: one service call, then back to the page.

    A refusal or an invalid form is the office page again with status 400: the bound form in
    its place (``form_context_name``) when the page shows it there, else its messages at the
    top of the page (``action_form``), e.g. for a side that may not answer a decision at all.
    The page is built after the refusal, so it shows the office as it is now.
    """

    http_method_names = ["post"]
    form_context_name: str | None = None

    @cached_property
    def office(self):
        return self.get_office()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.pop("form")
        if self.form_context_name and self.form_on_page(context):
            context[self.form_context_name] = form
        else:
            context["action_form"] = form
        return context

    def form_on_page(self, context: dict) -> bool:
        """Whether the office page, as it is now, shows this form (and so its errors)."""
        return False

    def get_success_url(self) -> str:
        return self.office.get_absolute_url()


class StepCompleteView(EditorMixin, ServiceFormView):
    """Plan or hold one step; step 3 is a joint decision, not one side's completion."""

    template_name = "poskantoor/step_complete.html"
    form_class = StepCompleteForm

    @cached_property
    def office(self):
        return self.get_office()

    @cached_property
    def step(self):
        step = next((s for s in self.office.steps.all() if s.pk == self.kwargs["step_pk"]), None)
        if step is None:
            raise Http404
        return step

    def get(self, request, *args, **kwargs):
        if self.step.code == StepCode.KARTREKKERS:
            return redirect("poskantoor:decision_propose", pk=self.office.pk)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        if self.step.code == StepCode.KARTREKKERS:
            messages.error(
                request,
                _("POS and the municipality decide GO / NO-GO jointly: record it here."),
            )
            return redirect("poskantoor:decision_propose", pk=self.office.pk)
        return super().post(request, *args, **kwargs)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "step": self.step}

    def get_context_data(self, **kwargs):
        return super().get_context_data(office=self.office, step=self.step, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        planned_on = None if form.fields["planned_on"].disabled else data["planned_on"]
        if data["held_on"]:
            services.step_complete(
                step=self.step,
                on=data["held_on"],
                planned_on=planned_on,
                by=self.request.user,
                evidence_note=data["evidence_note"],
                decision=data.get("decision", ""),
                stop_reason=data.get("stop_reason", ""),
            )
            self.done = _("Step %(code)s has been completed.")
        else:
            services.step_plan(
                step=self.step,
                on=planned_on,
                by=self.request.user,
                evidence_note=data["evidence_note"],
            )
            self.done = _("Step %(code)s has been planned.")
        return self.office

    def refused(self, form, error):
        self.step.refresh_from_db()
        return super().refused(form, error)

    def get_success_message(self, form):
        return self.done % {"code": self.step.code}


class OfficeVersionView(OfficeActionView):
    """POS moves an office onto another published process version (audited; its open
    deadlines are recomputed)."""

    allowed_roles = (Role.POS_STAFF, Role.ADMINISTRATOR)
    form_class = OfficeVersionForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "office": self.office}

    def perform(self, form):
        version = form.cleaned_data["version"]
        changed = services.office_move_to_version(
            office=self.office, version=version, by=self.request.user
        )
        self.done = ngettext(
            "The office now works with version %(number)d; %(n)d deadline recomputed.",
            "The office now works with version %(number)d; %(n)d deadlines recomputed.",
            len(changed),
        ) % {"number": version.number, "n": len(changed)}
        return self.office

    def get_success_message(self, form):
        return self.done


class StartSessionView(EditorMixin, OfficeActionView):
    form_class = StartSessionForm
    form_context_name = "session_form"

    def form_on_page(self, context):
        return context["can_edit"] and context["step_5_open"]

    def perform(self, form):
        data = form.cleaned_data
        session = services.start_session_record(
            office=self.office,
            number=len(self.office.start_sessions.all()) + 1,
            topic=data["topic"],
            held_on=data["held_on"],
            by=self.request.user,
            evidence_note=data["evidence_note"],
        )
        self.done = _("Start session %(number)d has been recorded.") % {"number": session.number}
        return self.office

    def get_success_message(self, form):
        return self.done


class CoreMemberAddView(EditorMixin, ServiceFormView):
    template_name = "poskantoor/member_form.html"
    form_class = CoreMemberForm
    success_message = gettext_lazy("The core group member has been added.")

    @cached_property
    def office(self):
        return self.get_office()

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "office": self.office}

    def get_context_data(self, **kwargs):
        return super().get_context_data(office=self.office, **kwargs)

    def perform(self, form):
        services.core_member_add(office=self.office, data=form.cleaned_data, by=self.request.user)
        return self.office


class CoreMemberRemoveView(EditorMixin, View):
    def post(self, request, pk, member_pk):
        office = self.get_office()
        member = get_object_or_404(office.core_members.all(), pk=member_pk)
        services.core_member_remove(member=member, by=request.user)
        messages.success(request, _("The core group member has been removed."))
        return HttpResponseRedirect(office.get_absolute_url())


class OfficePublicFaceView(OfficeMixin, ServiceFormView):
    """The policy officer switches the office's public page on or off and names its contact
    person (with that person's consent); other municipalities' offices are 404."""

    allowed_roles = (Role.POLICY_STAFF,)
    template_name = "poskantoor/office_public_face.html"
    success_message = gettext_lazy("The public page's settings have been saved.")

    @cached_property
    def office(self):
        return self.get_office()

    def get_form(self, form_class=None):
        data = self.request.POST if self.request.method == "POST" else None
        return OfficePublicFaceForm.for_office(self.office, data)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            office=self.office,
            # The link to the public page, from the app that serves it (if installed).
            public_blocks=existing_templates(["reports/_office_public_link.html"]),
            **kwargs,
        )

    def get_success_url(self) -> str:
        return reverse("poskantoor:public_face", args=[self.office.pk])

    def perform(self, form):
        return services.office_public_face_update(
            office=self.office, data=form.cleaned_data, by=self.request.user
        )


# --- Year plans -----------------------------------------------------------------------------


class YearPlanMixin(OfficeMixin):
    def get_year(self) -> int:
        year = self.kwargs["year"]
        if not 2020 <= year <= 2100:
            raise Http404
        return year


class YearPlanView(YearPlanMixin, ServiceFormView):
    """The plan of one year: read for every reader, a form for the core group's staff."""

    template_name = "poskantoor/year_plan.html"
    form_class = YearPlanForm
    success_message = gettext_lazy("The year plan has been saved; the PDF is being generated.")

    @cached_property
    def office(self):
        return self.get_office()

    @cached_property
    def year(self) -> int:
        return self.get_year()

    def is_editor(self) -> bool:
        """Another municipality's office or a year out of range is a 404 first."""
        return bool(self.office and self.year) and (
            self.scope.role in (*EDITOR_ROLES, Role.ADMINISTRATOR)
        )

    def post(self, request, *args, **kwargs):
        if not self.is_editor():
            raise PermissionDenied
        return super().post(request, *args, **kwargs)

    def get_initial(self):
        return YearPlanForm.initial_for(selectors.year_plan_for(office=self.office, year=self.year))

    def get_context_data(self, **kwargs):
        office, year = self.office, self.year
        plan = selectors.year_plan_for(office=office, year=year)
        context = super().get_context_data(
            office=office,
            year=year,
            plan=plan,
            meetings=year_plan_meetings(office=office, year=year),
            budget_total=selectors.budget_total(plan) if plan else None,
            other_plans=selectors.year_plans_of(office=office),
            **kwargs,
        )
        # Readers see the plan; a stopped office shows no form, except the refused one.
        stopped = office.status == OfficeStatus.STOPPED
        if not self.is_editor() or (stopped and not context["form"].is_bound):
            context["form"] = None
        return context

    def perform(self, form):
        services.year_plan_save(
            office=self.office, year=self.year, data=form.cleaned_data, by=self.request.user
        )

    def get_success_url(self):
        return reverse("poskantoor:year_plan", kwargs={"pk": self.office.pk, "year": self.year})


class YearPlanPdfView(YearPlanMixin, View):
    """The stored PDF, only when it shows the current version; else "being generated"."""

    rate_limit = "export"

    def get(self, request, pk, year):
        office = self.get_office()
        plan = selectors.year_plan_for(office=office, year=self.get_year())
        if plan is None:
            raise Http404
        if plan.pdf_is_current:
            return private_download(
                plan.pdf.open("rb"),
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
