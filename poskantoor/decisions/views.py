"""Thin views of the joint decision: validate, call one service, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import View

from .. import selectors as pos_selectors
from ..services import PosOfficeError
from ..views import EditorMixin
from . import services
from .forms import DecisionConfirmForm, DecisionObjectForm, DecisionProposeForm, MappingForm
from .models import DecisionProposal


class DecisionProposeView(EditorMixin, View):
    """Record the GO / NO-GO of the kartrekkers meeting for one's own side."""

    template_name = "poskantoor/decision_propose.html"

    def _render(self, request, office, form, unmet, status=200):
        context = {"office": office, "form": form, "unmet": unmet}
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk):
        office = self.get_office()
        unmet = pos_selectors.unmet_conditions(office)
        return self._render(request, office, DecisionProposeForm(unmet=unmet), unmet)

    def post(self, request, pk):
        office = self.get_office()
        unmet = pos_selectors.unmet_conditions(office)
        form = DecisionProposeForm(request.POST, unmet=unmet)
        if not form.is_valid():
            return self._render(request, office, form, unmet, status=400)
        data = form.cleaned_data
        try:
            services.decision_propose(
                office=office,
                by=request.user,
                decision=data["decision"],
                decided_on=data["decided_on"],
                reason=data["reason"],
                conditions_reason=data.get("conditions_reason", ""),
            )
        except PosOfficeError as exc:
            form.add_error(None, exc.message)
            return self._render(request, office, form, unmet, status=400)
        messages.success(
            request,
            _("The decision has been recorded; it takes effect when the other side confirms it."),
        )
        return HttpResponseRedirect(office.get_absolute_url())


class ProposalMixin(EditorMixin):
    def get_proposal(self, office) -> DecisionProposal:
        proposal = (
            DecisionProposal.objects.filter(office=office, pk=self.kwargs["proposal_pk"])
            .select_related("office__municipality", "step")
            .first()
        )
        if proposal is None:
            raise Http404
        return proposal


class DecisionConfirmView(ProposalMixin, View):
    def post(self, request, pk, proposal_pk):
        office = self.get_office()
        proposal = self.get_proposal(office)
        form = DecisionConfirmForm(request.POST)
        form.is_valid()
        try:
            services.decision_confirm(
                proposal=proposal,
                by=request.user,
                conditions_reason=form.cleaned_data.get("conditions_reason", ""),
            )
        except PosOfficeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The decision has been confirmed and has taken effect."))
        return HttpResponseRedirect(office.get_absolute_url())


class DecisionObjectView(ProposalMixin, View):
    def post(self, request, pk, proposal_pk):
        office = self.get_office()
        proposal = self.get_proposal(office)
        form = DecisionObjectForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Give the reason for your objection."))
            return HttpResponseRedirect(office.get_absolute_url())
        try:
            services.decision_object(
                proposal=proposal, by=request.user, reason=form.cleaned_data["objection_reason"]
            )
        except PosOfficeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Your objection has been recorded."))
        return HttpResponseRedirect(office.get_absolute_url())


class MappingStateView(EditorMixin, View):
    def post(self, request, pk):
        office = self.get_office()
        form = MappingForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return HttpResponseRedirect(office.get_absolute_url())
        try:
            services.mapping_state(
                office=office,
                by=request.user,
                stated_on=form.cleaned_data["stated_on"],
                note=form.cleaned_data["note"],
            )
        except PosOfficeError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The statement has been recorded."))
        return HttpResponseRedirect(office.get_absolute_url())
