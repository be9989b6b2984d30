"""Thin views of meetings: validate a form, call one service, add a message, redirect."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from poskantoor.selectors import office_get
from sportloket.constants import Role
from sportloket.formviews import ServiceFormView
from sportloket.permissions import RoleRequiredMixin
from sportloket.selectors import audit_events_for
from sportloket.services import DomainError

from ..hooks import signals_for_meeting
from . import selectors, services
from .constants import MEETING_AUDIT_ACTIONS, MeetingKind, MeetingStatus
from .forms import (
    AgreementForm,
    AttendeeForm,
    HeldForm,
    MeetingForm,
    MinutesForm,
    ProgrammeForm,
)
from .ics import ics_mimetype, meeting_ics
from .programmes import PROGRAMMES

READ_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF)
OFFICE_EDITORS = (Role.POLICY_STAFF, Role.POS_STAFF)


def _municipality_ids(meeting) -> list[int]:
    """The municipalities whose people may attend: the office's, or every one of the desk's."""
    if meeting.office_id:
        return [meeting.office.municipality_id]
    return list(meeting.desk.municipalities.values_list("pk", flat=True))


class MeetingListView(RoleRequiredMixin, TemplateView):
    rate_limit = "search"
    allowed_roles = READ_ROLES
    template_name = "meetings/meeting_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            year = int(self.request.GET.get("jaar", ""))
        except ValueError:
            year = selectors.current_year()
        year = min(max(year, 2000), 2100)
        context.update(
            year=year,
            meetings=selectors.meeting_list(user=self.request.user, year=year)[:500],
            can_plan_desk=self.scope.role == Role.CLUB_SUPPORTER,
        )
        return context


class OfficeEditorMixin(RoleRequiredMixin):
    allowed_roles = OFFICE_EDITORS

    def get_office(self):
        office = office_get(user=self.request.user, pk=self.kwargs["pk"])
        if not selectors.can_manage_office(self.scope, office):
            raise Http404
        return office


class MeetingCreateView(RoleRequiredMixin, ServiceFormView):
    """Plan a meeting of a POS office (policy staff, POS staff) or of one's desk (club
    supporters, without ``pk``)."""

    allowed_roles = (*OFFICE_EDITORS, Role.CLUB_SUPPORTER)
    template_name = "meetings/meeting_form.html"
    form_class = MeetingForm
    success_message = gettext_lazy("The meeting has been planned.")

    @cached_property
    def owner(self):
        if "pk" in self.kwargs:
            if self.scope.role == Role.CLUB_SUPPORTER:
                raise PermissionDenied
            office = office_get(user=self.request.user, pk=self.kwargs["pk"])
            if not selectors.can_manage_office(self.scope, office):
                raise Http404
            return office, None
        if self.scope.role != Role.CLUB_SUPPORTER or self.scope.desk_id is None:
            raise PermissionDenied
        return None, self.request.user.staff_profile.desk

    def get_initial(self):
        return {"kind": self.request.GET.get("soort", MeetingKind.FOLLOW_UP)}

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "for_desk": self.owner[1] is not None}

    def get_context_data(self, **kwargs):
        office, desk = self.owner
        return super().get_context_data(office=office, desk=desk, **kwargs)

    def perform(self, form):
        office, desk = self.owner
        return services.meeting_create(
            office=office, desk=desk, data=form.cleaned_data, by=self.request.user
        )


class ProgrammeView(OfficeEditorMixin, ServiceFormView):
    template_name = "meetings/meeting_programme.html"
    form_class = ProgrammeForm

    @cached_property
    def office(self):
        return self.get_office()

    def get_initial(self):
        return {"year": selectors.current_year(), "programme": "year_1"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            office=self.office, programmes=PROGRAMMES.values(), **kwargs
        )

    def perform(self, form):
        data = form.cleaned_data
        created = services.programme_generate(
            office=self.office,
            programme=data["programme"],
            year=data["year"],
            include_optional=data["include_optional"],
            by=self.request.user,
        )
        messages.success(
            self.request,
            _("%(n)d meetings planned for %(year)d.") % {"n": len(created), "year": data["year"]},
        )
        return self.office


class MeetingMixin(RoleRequiredMixin):
    allowed_roles = READ_ROLES

    def get_meeting(self, *, manage: bool = False):
        meeting = selectors.meeting_get(user=self.request.user, pk=self.kwargs["pk"])
        self.can_manage = selectors.can_manage(self.scope, meeting)
        if manage and not self.can_manage:
            raise PermissionDenied
        return meeting


class MeetingDetailView(MeetingMixin, TemplateView):
    template_name = "meetings/meeting_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        meeting = self.get_meeting()
        context.update(
            meeting=meeting,
            can_manage=self.can_manage,
            attendee_form=AttendeeForm(municipality_ids=_municipality_ids(meeting)),
            held_form=HeldForm(),
            minutes_form=MinutesForm(initial={"minutes": meeting.minutes}),
            agreement_form=AgreementForm(),
            agenda_signals=signals_for_meeting(meeting=meeting)
            if self.can_manage and meeting.status == MeetingStatus.PLANNED
            else [],
            is_kartrekkers=meeting.kind == MeetingKind.KARTREKKERS and meeting.office_id,
            audit_events=[
                (event, MEETING_AUDIT_ACTIONS.get(event.action, event.action))
                for event in audit_events_for(meeting)[:30]
            ],
        )
        return context


class MeetingEditView(MeetingMixin, ServiceFormView):
    template_name = "meetings/meeting_form.html"
    form_class = MeetingForm
    success_message = gettext_lazy("The meeting has been changed.")

    @cached_property
    def meeting(self):
        return self.get_meeting(manage=True)

    def get_initial(self):
        return MeetingForm.initial_for(self.meeting)

    def get_form_kwargs(self):
        return {
            **super().get_form_kwargs(),
            "for_desk": bool(self.meeting.desk_id),
            "planning": False,
        }

    def get_context_data(self, **kwargs):
        meeting = self.meeting
        return super().get_context_data(
            meeting=meeting, office=meeting.office, desk=meeting.desk, **kwargs
        )

    def perform(self, form):
        services.meeting_update(meeting=self.meeting, data=form.cleaned_data, by=self.request.user)
        return self.meeting


class MeetingActionView(MeetingDetailView, ServiceFormView):
    """POST-only actions on one meeting; each validates a form and calls one service. A refusal
    is the meeting's page again (400): the bound form in its place, or the message at the top
    for the actions whose form the page does not show."""

    http_method_names = ["post"]
    # The action in the URL -> its form and the name the page shows that form under.
    actions = {
        "attendee": (AttendeeForm, "attendee_form"),
        "attendance": (forms.Form, "action_form"),
        "held": (HeldForm, "action_form"),
        "signal": (forms.Form, "action_form"),
        "minutes": (MinutesForm, "minutes_form"),
        "agreement": (AgreementForm, "agreement_form"),
        "invite": (forms.Form, "action_form"),
        "cancel": (forms.Form, "action_form"),
    }

    def post(self, request, pk, action):
        self.meeting = self.get_meeting(manage=True)
        if action not in self.actions:
            raise Http404
        return super().post(request, pk, action)

    def get_form_class(self):
        return self.actions[self.kwargs["action"]][0]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.get_form_class() is AttendeeForm:
            kwargs["municipality_ids"] = _municipality_ids(self.meeting)
        return kwargs

    def get_context_data(self, **kwargs):
        form = kwargs.pop("form")
        context = super().get_context_data(**kwargs)
        context[self.actions[self.kwargs["action"]][1]] = form
        return context

    def get_success_message(self, form):
        return self.done

    def perform(self, form):
        handler = getattr(self, f"do_{self.kwargs['action']}")
        self.done = handler(self.meeting, form.cleaned_data)
        return self.meeting

    def do_attendee(self, meeting, data):
        attendee = services.attendee_add(meeting=meeting, data=data, by=self.request.user)
        return _("%(name)s has been added.") % {"name": attendee.name}

    def do_attendance(self, meeting, data):
        try:
            present = {int(v) for v in self.request.POST.getlist("present")}
        except ValueError:
            present = {-1}
        services.attendance_set(meeting=meeting, present_ids=present, by=self.request.user)
        return _("Attendance has been saved.")

    def do_held(self, meeting, data):
        services.meeting_record_held(
            meeting=meeting,
            by=self.request.user,
            decision=data["decision"],
            stop_reason=data["stop_reason"],
            conditions_reason=data["conditions_reason"],
        )
        return _("The meeting has been recorded as held.")

    def do_signal(self, meeting, data):
        try:
            signal_id = int(self.request.POST.get("signal", ""))
        except ValueError:
            signal_id = None
        signal = next(
            (s for s in signals_for_meeting(meeting=meeting, limit=1000) if s.pk == signal_id),
            None,
        )
        if signal is None:
            raise services.MeetingError(_("Choose one of the signals in the list."))
        services.meeting_agenda_add_signal(meeting=meeting, signal=signal, by=self.request.user)
        return _("The signal has been put on the agenda.")

    def do_minutes(self, meeting, data):
        services.meeting_minutes_save(
            meeting=meeting, minutes=data["minutes"], by=self.request.user
        )
        return _("The minutes have been saved.")

    def do_agreement(self, meeting, data):
        services.agreement_add(meeting=meeting, data=data, by=self.request.user)
        return _("The agreement has been added.")

    def do_invite(self, meeting, data):
        sent = services.meeting_invite(meeting=meeting, by=self.request.user)
        if not sent:
            return _("Everyone with an e-mail address already has the current invitation.")
        return _("%(n)d invitations have been sent.") % {"n": sent}

    def do_cancel(self, meeting, data):
        services.meeting_cancel(meeting=meeting, by=self.request.user)
        return _("The meeting has been cancelled.")


class AgreementDoneView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES

    def post(self, request, pk):
        agreement = selectors.agreement_get(user=request.user, pk=pk)
        if not selectors.can_manage(self.scope, agreement.meeting):
            raise PermissionDenied
        try:
            services.agreement_done(agreement=agreement, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The agreement has been marked as done."))
        target = request.POST.get("next", "")
        if target not in ("office",) or agreement.meeting.office_id is None:
            return HttpResponseRedirect(agreement.meeting.get_absolute_url())
        return HttpResponseRedirect(
            reverse("poskantoor:detail", args=[agreement.meeting.office_id])
        )


class MeetingIcsView(MeetingMixin, View):
    rate_limit = "export"

    def get(self, request, pk):
        meeting = self.get_meeting()
        emails = [a.email for a in meeting.attendees.all() if a.email]
        response = HttpResponse(
            meeting_ics(meeting, attendee_emails=emails),
            content_type=ics_mimetype(meeting),
        )
        response["Content-Disposition"] = f'attachment; filename="bijeenkomst-{meeting.pk}.ics"'
        return response
