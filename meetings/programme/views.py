"""Thin views of meetings: validate a form, call one service, add a message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from poskantoor.selectors import office_get
from sportloket.constants import Role
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
from .ics import meeting_ics
from .programmes import PROGRAMMES

READ_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF)
OFFICE_EDITORS = (Role.POLICY_STAFF, Role.POS_STAFF)


def _errors(request, form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


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


class MeetingCreateView(RoleRequiredMixin, View):
    """Plan a meeting of a POS office (policy staff, POS staff) or of one's desk (club
    supporters, without ``pk``)."""

    allowed_roles = (*OFFICE_EDITORS, Role.CLUB_SUPPORTER)
    template_name = "meetings/meeting_form.html"

    def _owner(self):
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

    def get(self, request, **kwargs):
        office, desk = self._owner()
        initial = {"kind": request.GET.get("soort", MeetingKind.FOLLOW_UP)}
        form = MeetingForm(initial=initial, for_desk=desk is not None)
        return render(request, self.template_name, {"form": form, "office": office, "desk": desk})

    def post(self, request, **kwargs):
        office, desk = self._owner()
        form = MeetingForm(request.POST, for_desk=desk is not None)
        if form.is_valid():
            try:
                meeting = services.meeting_create(
                    office=office, desk=desk, data=form.cleaned_data, by=request.user
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The meeting has been planned."))
                return HttpResponseRedirect(meeting.get_absolute_url())
        return render(request, self.template_name, {"form": form, "office": office, "desk": desk})


class ProgrammeView(OfficeEditorMixin, View):
    template_name = "meetings/meeting_programme.html"

    def _render(self, request, office, form):
        return render(
            request,
            self.template_name,
            {"office": office, "form": form, "programmes": PROGRAMMES.values()},
        )

    def get(self, request, pk):
        office = self.get_office()
        form = ProgrammeForm(initial={"year": selectors.current_year(), "programme": "year_1"})
        return self._render(request, office, form)

    def post(self, request, pk):
        office = self.get_office()
        form = ProgrammeForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                created = services.programme_generate(
                    office=office,
                    programme=data["programme"],
                    year=data["year"],
                    include_optional=data["include_optional"],
                    by=request.user,
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("%(n)d meetings planned for %(year)d.")
                    % {"n": len(created), "year": data["year"]},
                )
                return HttpResponseRedirect(office.get_absolute_url())
        return self._render(request, office, form)


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
        municipality_ids = (
            [meeting.office.municipality_id]
            if meeting.office_id
            else list(meeting.desk.municipalities.values_list("pk", flat=True))
        )
        context.update(
            meeting=meeting,
            can_manage=self.can_manage,
            attendee_form=AttendeeForm(municipality_ids=municipality_ids),
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


class MeetingEditView(MeetingMixin, View):
    template_name = "meetings/meeting_form.html"

    def _context(self, meeting, form):
        return {"form": form, "meeting": meeting, "office": meeting.office, "desk": meeting.desk}

    def get(self, request, pk):
        meeting = self.get_meeting(manage=True)
        form = MeetingForm(
            initial=MeetingForm.initial_for(meeting),
            for_desk=bool(meeting.desk_id),
            planning=False,
        )
        return render(request, self.template_name, self._context(meeting, form))

    def post(self, request, pk):
        meeting = self.get_meeting(manage=True)
        form = MeetingForm(request.POST, for_desk=bool(meeting.desk_id), planning=False)
        if form.is_valid():
            try:
                services.meeting_update(meeting=meeting, data=form.cleaned_data, by=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("The meeting has been changed."))
                return HttpResponseRedirect(meeting.get_absolute_url())
        return render(request, self.template_name, self._context(meeting, form))


class MeetingActionView(MeetingMixin, View):
    """POST-only actions on one meeting; each validates a form and calls one service."""

    def post(self, request, pk, action):
        meeting = self.get_meeting(manage=True)
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            raise Http404
        try:
            message = handler(request, meeting)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if message:
                messages.success(request, message)
        return HttpResponseRedirect(meeting.get_absolute_url())

    def do_attendee(self, request, meeting):
        ids = (
            [meeting.office.municipality_id]
            if meeting.office_id
            else list(meeting.desk.municipalities.values_list("pk", flat=True))
        )
        form = AttendeeForm(request.POST, municipality_ids=ids)
        if not form.is_valid():
            return _errors(request, form)
        attendee = services.attendee_add(meeting=meeting, data=form.cleaned_data, by=request.user)
        return _("%(name)s has been added.") % {"name": attendee.name}

    def do_attendance(self, request, meeting):
        try:
            present = {int(v) for v in request.POST.getlist("present")}
        except ValueError:
            present = {-1}
        services.attendance_set(meeting=meeting, present_ids=present, by=request.user)
        return _("Attendance has been saved.")

    def do_held(self, request, meeting):
        form = HeldForm(request.POST)
        if not form.is_valid():
            return _errors(request, form)
        services.meeting_record_held(
            meeting=meeting,
            by=request.user,
            decision=form.cleaned_data["decision"],
            stop_reason=form.cleaned_data["stop_reason"],
        )
        return _("The meeting has been recorded as held.")

    def do_signal(self, request, meeting):
        try:
            signal_id = int(request.POST.get("signal", ""))
        except ValueError:
            signal_id = None
        signal = next(
            (s for s in signals_for_meeting(meeting=meeting, limit=1000) if s.pk == signal_id),
            None,
        )
        if signal is None:
            raise services.MeetingError(_("Choose one of the signals in the list."))
        services.meeting_agenda_add_signal(meeting=meeting, signal=signal, by=request.user)
        return _("The signal has been put on the agenda.")

    def do_minutes(self, request, meeting):
        form = MinutesForm(request.POST)
        if not form.is_valid():
            return _errors(request, form)
        services.meeting_minutes_save(
            meeting=meeting, minutes=form.cleaned_data["minutes"], by=request.user
        )
        return _("The minutes have been saved.")

    def do_agreement(self, request, meeting):
        form = AgreementForm(request.POST)
        if not form.is_valid():
            return _errors(request, form)
        services.agreement_add(meeting=meeting, data=form.cleaned_data, by=request.user)
        return _("The agreement has been added.")

    def do_invite(self, request, meeting):
        sent = services.meeting_invite(meeting=meeting, by=request.user)
        if not sent:
            return _("Everyone with an e-mail address already has the current invitation.")
        return _("%(n)d invitations have been sent.") % {"n": sent}

    def do_cancel(self, request, meeting):
        services.meeting_cancel(meeting=meeting, by=request.user)
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
            content_type="text/calendar; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="bijeenkomst-{meeting.pk}.ics"'
        return response
