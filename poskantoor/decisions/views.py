"""Thin views of the joint decision: a form, one service call, a message, a redirect; a
refusal is the same page with the service's message (``ServiceFormView``, status 400)."""

from __future__ import annotations

from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy

from sportloket.formviews import ServiceFormView

from .. import selectors as pos_selectors
from ..constants import Decision
from ..views import EditorMixin, OfficeActionView
from . import services
from .forms import DecisionConfirmForm, DecisionObjectForm, DecisionProposeForm, MappingForm
from .models import DecisionProposal


class DecisionProposeView(EditorMixin, ServiceFormView):
    """Record the GO / NO-GO of the kartrekkers meeting for one's own side."""

    template_name = "poskantoor/decision_propose.html"
    form_class = DecisionProposeForm
    success_message = gettext_lazy(
        "The decision has been recorded; it takes effect when the other side confirms it."
    )

    @cached_property
    def office(self):
        return self.get_office()

    @cached_property
    def unmet(self):
        return pos_selectors.unmet_conditions(self.office)

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "unmet": self.unmet}

    def get_context_data(self, **kwargs):
        return super().get_context_data(office=self.office, unmet=self.unmet, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        services.decision_propose(
            office=self.office,
            by=self.request.user,
            decision=data["decision"],
            decided_on=data["decided_on"],
            reason=data["reason"],
            conditions_reason=data.get("conditions_reason", ""),
        )
        return self.office


class ProposalActionView(EditorMixin, OfficeActionView):
    """An answer to the other side's open proposal, posted from the office page; the page
    shows the answer forms only to the side that may answer."""

    @cached_property
    def proposal(self) -> DecisionProposal | None:
        return (
            DecisionProposal.objects.filter(office=self.office, pk=self.kwargs["proposal_pk"])
            .select_related("office__municipality", "step")
            .first()
        )

    def post(self, request, *args, **kwargs):
        if self.proposal is None:  # before the form: an unknown proposal is a 404, not a 400
            raise Http404
        return super().post(request, *args, **kwargs)

    def form_on_page(self, context):
        panel = context["decision"]
        return panel.can_answer and panel.open.pk == self.proposal.pk


class DecisionConfirmView(ProposalActionView):
    form_class = DecisionConfirmForm
    form_context_name = "confirm_form"
    success_message = gettext_lazy("The decision has been confirmed and has taken effect.")

    def form_on_page(self, context):
        # Only a GO asks for the reason to start while basic conditions are unmet.
        return super().form_on_page(context) and self.proposal.decision == Decision.GO

    def perform(self, form):
        services.decision_confirm(
            proposal=self.proposal,
            by=self.request.user,
            conditions_reason=form.cleaned_data["conditions_reason"],
        )
        return self.office


class DecisionObjectView(ProposalActionView):
    form_class = DecisionObjectForm
    form_context_name = "object_form"
    success_message = gettext_lazy("Your objection has been recorded.")

    def perform(self, form):
        services.decision_object(
            proposal=self.proposal,
            by=self.request.user,
            reason=form.cleaned_data["objection_reason"],
        )
        return self.office


class MappingStateView(EditorMixin, OfficeActionView):
    form_class = MappingForm
    form_context_name = "mapping_form"
    success_message = gettext_lazy("The statement has been recorded.")

    def form_on_page(self, context):
        return context["decision"].can_state_mapping

    def perform(self, form):
        services.mapping_state(
            office=self.office,
            by=self.request.user,
            stated_on=form.cleaned_data["stated_on"],
            note=form.cleaned_data["note"],
        )
        return self.office
