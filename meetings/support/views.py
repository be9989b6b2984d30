"""Thin views of the desk: validate, call one service, message, redirect."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from sportloket.constants import Role
from sportloket.formviews import ServiceFormView, is_htmx
from sportloket.permissions import RoleRequiredMixin
from sportloket.ratelimit import ratelimit_post
from sportloket.redirects import safe_next
from subsidies.selectors import budgets_for_desk

from ..models import SupportRequest
from . import notices, selectors, services
from .constants import HandoverStatus, SupportStatus
from .filters import OPEN, SupportRequestFilter
from .forms import (
    AssignForm,
    BulkForm,
    ClassifyForm,
    ContactMomentForm,
    DeskOverviewForm,
    HandoverAcceptForm,
    HandoverDeclineForm,
    HandoverForm,
    HandoverOutcomeForm,
    MessageForm,
    ProviderMessageForm,
    PublicQuestionForm,
    QuestionAllocationForm,
    StaffQuestionForm,
    StatusForm,
)

DESK_ROLES = (Role.CLUB_SUPPORTER,)
READ_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF)


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    return HttpResponseRedirect(safe_next(request) or default)


def _own_desk(user):
    """The desk of a club supporter; 404 for an account without one (e.g. an administrator)."""
    profile = getattr(user, "staff_profile", None)
    if profile is None or profile.desk is None:
        raise Http404
    return profile.desk


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- Public ----------------------------------------------------------------------------------


@method_decorator(ratelimit_post("support-question"), name="dispatch")
class PublicQuestionView(ServiceFormView):
    """The public question form (/hulpvraag/)."""

    template_name = "meetings/public_question.html"
    form_class = PublicQuestionForm
    success_url = reverse_lazy("meetings:public_thanks")

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_spam():
            return redirect(self.success_url)
        return self.form_valid(form) if form.is_valid() else self.form_invalid(form)

    def perform(self, form):
        data = form.cleaned_data
        return services.support_request_submit(
            municipality=data["municipality"],
            provider_name=data["provider_name"],
            kvk_number=data["kvk_number"],
            contact_name=data["contact_name"],
            email=data["email"],
            subject=data["subject"],
            question=data["question"],
            category=data["category"],
        )


def public_thanks(request):
    return render(request, "meetings/public_thanks.html")


@method_decorator(ratelimit_post("support-follow"), name="dispatch")
class PublicFollowView(ServiceFormView):
    """The requester's private page: status and public messages only."""

    template_name = "meetings/public_follow.html"
    form_class = ProviderMessageForm
    success_message = gettext_lazy("Thank you, your information has been added.")

    @cached_property
    def support_request(self) -> SupportRequest:
        return selectors.support_request_by_token(token=self.kwargs["token"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            support_request=self.support_request,
            events=selectors.timeline(
                request=self.support_request, include_internal=False, public_only=True
            ),
            **kwargs,
        )

    def perform(self, form):
        services.support_request_provider_message(
            request=self.support_request, text=form.cleaned_data["text"]
        )

    def get_success_url(self):
        return self.support_request.get_public_url()


# --- Triage board ----------------------------------------------------------------------------


class BoardView(RoleRequiredMixin, View):
    """The desk's queue with filters in the URL (shareable); rows update in place with htmx."""

    rate_limit = "search"

    allowed_roles = READ_ROLES

    def get(self, request):
        options = selectors.board_options(user=request.user)
        data = request.GET.copy()
        data.setdefault("status", OPEN)
        filterset = SupportRequestFilter(
            data,
            queryset=selectors.board_queryset(user=request.user),
            options=options,
            user=request.user,
        )
        try:
            page = max(1, min(int(request.GET.get("page", "1")), 10_000))
        except ValueError:
            page = 1
        result = selectors.board_page(
            filterset.qs,
            page=page,
            user=request.user,
            today=timezone.localdate(),
            options=options,
            after=request.GET.get("after", "")[:200],
            before=request.GET.get("before", "")[:200],
        )
        query = request.GET.copy()
        for key in ("page", "after", "before"):
            query.pop(key, None)
        context = {
            "filter": filterset,
            "rows": result.rows,
            "page": page,
            "has_next": bool(result.next_cursor),
            "next_query": _page_query(query, page + 1, after=result.next_cursor),
            "previous_query": _page_query(query, page - 1, before=result.previous_cursor),
            "options": options,
            "can_triage": self.scope.role in (Role.CLUB_SUPPORTER, Role.ADMINISTRATOR),
            "statuses": [c for c in SupportStatus.choices if c[0] != SupportStatus.HANDED_OVER],
            "priorities": services.Priority.choices,
            "bulk_actions": BulkForm.ACTIONS,
        }
        template = "meetings/_board_table.html" if is_htmx(request) else "meetings/board.html"
        return render(request, template, context)


def _page_query(query, page: int, **cursor: str) -> str:
    """The query string of another page of the board: the filters, the page number shown and
    the cursor it continues from (none back to the first page: its plain address)."""
    query = query.copy()
    if page > 1:
        query["page"] = str(page)
        query.update({key: value for key, value in cursor.items() if value})
    return query.urlencode()


BULK_MAX = 200


class BulkView(RoleRequiredMixin, View):
    allowed_roles = DESK_ROLES

    def post(self, request):
        options = selectors.board_options(user=request.user)
        form = BulkForm(request.POST, options=options)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return _back(request, reverse("meetings:board"))
        data = form.cleaned_data
        ids = set(data["ids"])
        if len(ids) > BULK_MAX:
            messages.error(
                request, _("Select at most %(count)d questions at once.") % {"count": BULK_MAX}
            )
            return _back(request, reverse("meetings:board"))
        selected = list(selectors.board_queryset(user=request.user).filter(pk__in=ids))
        if len(selected) != len(ids):
            # A question outside the user's queue (another desk's id in the POST): nothing
            # is done, not even to the questions that were in it.
            messages.error(request, _("Select only questions from your own queue."))
            return _back(request, reverse("meetings:board"))
        done, refused = services.support_requests_bulk(
            requests=selected,
            action=data["action"],
            by=request.user,
            assignee=form.staff.get(data["assignee"]) if data["assignee"] else None,
            priority=data["priority"] or None,
            category=form.categories.get(data["category"]) if data["category"] else None,
            status=data["status"] or None,
        )
        if done:
            messages.success(request, _("%(count)d question(s) updated.") % {"count": done})
        for message in refused:
            messages.error(request, message)
        return _back(request, reverse("meetings:board"))


class RequestCreateView(RoleRequiredMixin, ServiceFormView):
    """Staff entry of a question that came in by phone, e-mail, visit or the sport platform."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/request_form.html"
    form_class = StaffQuestionForm
    success_message = gettext_lazy("Question registered.")

    def get_form_kwargs(self):
        desk = _own_desk(self.request.user)
        return {**super().get_form_kwargs(), "providers": selectors.desk_providers(desk=desk)}

    def perform(self, form):
        return services.support_request_create(
            desk=_own_desk(self.request.user), by=self.request.user, **form.cleaned_data
        )


# --- One question ----------------------------------------------------------------------------


class RequestDetailView(RoleRequiredMixin, View):
    allowed_roles = READ_ROLES
    template_name = "meetings/request_detail.html"

    def context(self, support_request: SupportRequest, **forms) -> dict:
        triage = selectors.can_triage(self.scope, support_request)
        staff = list(selectors.desk_staff(desk_id=support_request.desk_id)) if triage else []
        allocate = triage and selectors.can_allocate(
            user=self.request.user, request=support_request
        )
        return {
            "support_request": support_request,
            "can_allocate": allocate,
            "allocations": (
                list(selectors.allocations_for_request(request=support_request)) if allocate else []
            ),
            "provider": support_request.provider,
            "events": selectors.timeline(
                request=support_request,
                include_internal=selectors.sees_internal_notes(self.scope, support_request),
            ),
            "handovers": selectors.visible_handovers(scope=self.scope, request=support_request),
            "can_triage": triage,
            "today": timezone.localdate(),
            "assign_me_form": forms.get("assign_me_form"),
            "status_form": forms.get("status_form") or self.status_form(support_request),
            "assign_form": forms.get("assign_form")
            or AssignForm(initial={"assignee": support_request.assignee_id}, staff=staff),
            "classify_form": forms.get("classify_form")
            or ClassifyForm(
                initial={
                    "category": support_request.category_id,
                    "priority": support_request.priority,
                }
            ),
            "message_form": forms.get("message_form") or MessageForm(),
            "handover_form": forms.get("handover_form")
            or HandoverForm(desk_id=support_request.desk_id),
        }

    @staticmethod
    def status_form(support_request: SupportRequest) -> StatusForm:
        return StatusForm(**RequestDetailView.status_form_kwargs(support_request))

    @staticmethod
    def status_form_kwargs(support_request: SupportRequest) -> dict:
        return {
            "current": support_request.status,
            "handover_pending": selectors.has_pending_handover(request=support_request),
        }

    def get(self, request, pk):
        support_request = selectors.support_request_get(user=request.user, pk=pk)
        return render(request, self.template_name, self.context(support_request))


class RequestActionView(RequestDetailView, ServiceFormView):
    """POST-only desk actions on one question; htmx (the board's "assign to me") gets the board
    row back, with the refusal in it."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/request_detail.html"
    htmx_template_name = "meetings/_board_rows.html"
    success_message = gettext_lazy("Saved.")
    # The action in the URL -> its form and the name the detail page shows that form under.
    actions = {
        "assign-me": (forms.Form, "assign_me_form"),
        "assign": (AssignForm, "assign_form"),
        "status": (StatusForm, "status_form"),
        "classify": (ClassifyForm, "classify_form"),
        "message": (MessageForm, "message_form"),
        "handover": (HandoverForm, "handover_form"),
    }

    def get(self, request, pk, action):
        return redirect("meetings:request_detail", pk=pk)

    def post(self, request, pk, action):
        self.support_request = selectors.support_request_get(user=request.user, pk=pk)
        if not selectors.can_triage(self.scope, self.support_request):
            return render(request, "403.html", status=403)
        if action not in self.actions:
            return redirect(self.support_request)
        return super().post(request, pk, action)

    def get_form_class(self):
        return self.actions[self.kwargs["action"]][0]

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        form_class = self.get_form_class()
        if form_class is AssignForm:
            kwargs["staff"] = list(selectors.desk_staff(desk_id=self.support_request.desk_id))
        elif form_class is HandoverForm:
            kwargs["desk_id"] = self.support_request.desk_id
        elif form_class is StatusForm:
            kwargs.update(self.status_form_kwargs(self.support_request))
        return kwargs

    def get_context_data(self, **kwargs):
        form = kwargs["form"]
        if self.is_htmx():
            return self.row_context(form=form)
        return self.context(self.support_request, **{self.actions[self.kwargs["action"]][1]: form})

    def row_context(self, **extra) -> dict:
        rows = selectors.board_page(
            selectors.board_queryset(user=self.request.user).filter(pk=self.support_request.pk),
            page=1,
            user=self.request.user,
            today=timezone.localdate(),
        ).rows
        return {"rows": rows, "can_triage": True, **extra}

    def perform(self, form):
        data = form.cleaned_data
        action = self.kwargs["action"]
        support_request, by = self.support_request, self.request.user
        if action == "assign-me":
            services.support_request_assign(request=support_request, assignee=by, by=by)
        elif action == "assign":
            assignee = form.staff.get(data["assignee"])
            services.support_request_assign(request=support_request, assignee=assignee, by=by)
        elif action == "status":
            services.support_request_transition(
                request=support_request, to=data["status"], by=by, text=data["text"]
            )
        elif action == "classify":
            services.support_request_update(
                request=support_request,
                by=by,
                category=data["category"],
                priority=data["priority"],
            )
        elif action == "message":
            services.support_request_message(
                request=support_request, text=data["text"], public=data["public"], by=by
            )
        else:
            services.handover_create(
                request=support_request,
                organisation=data["organisation"],
                note=data["note"],
                by=by,
            )
        if self.is_htmx():
            response = render(self.request, self.htmx_template_name, self.row_context())
            patch_vary_headers(response, ["HX-Request"])
            return response
        return support_request

    def get_success_url(self):
        return safe_next(self.request) or self.support_request.get_absolute_url()


class RequestAllocateView(RoleRequiredMixin, ServiceFormView):
    """Decide on money for a question from one of its desk's budgets (with a rationale)."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/request_allocate.html"
    form_class = QuestionAllocationForm
    success_message = gettext_lazy("The decision has been recorded.")

    @cached_property
    def support_request(self) -> SupportRequest:
        return selectors.allocatable_request_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        budgets = budgets_for_desk(desk_id=self.support_request.desk_id)
        return {**super().get_form_kwargs(), "budgets": budgets}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            support_request=self.support_request,
            allocations=selectors.allocations_for_request(request=self.support_request),
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        services.support_request_allocate(
            request=self.support_request,
            budget=data["budget"],
            amount=data["amount"],
            decision=data["decision"],
            rationale=data["rationale"],
            decided_on=data["decided_on"],
            by=self.request.user,
        )
        return self.support_request

    def refused(self, form, error):
        fresh = self.get_form()  # the budgets' balances as they are now
        fresh.is_valid()
        return super().refused(fresh, error)


# --- Handovers to my organisation ------------------------------------------------------------


class HandoverQueueView(RoleRequiredMixin, View):
    """The receiving organisation's queue: accept or decline handovers."""

    allowed_roles = DESK_ROLES

    def get(self, request):
        return render(request, "meetings/handover_queue.html", handover_queue_context(request))


def handover_queue_context(request: HttpRequest, **extra) -> dict:
    return {
        "handovers": list(selectors.handover_queue(user=request.user)[:200]),
        "accept_form": HandoverAcceptForm(),
        "decline_form": HandoverDeclineForm(),
        "outcome_form": HandoverOutcomeForm(),
        "today": timezone.localdate(),
        **extra,
    }


class HandoverAnswerView(RoleRequiredMixin, ServiceFormView):
    """Accept or decline one handover from the queue, or report the outcome of an accepted one;
    a refusal is the queue again (400) with the answer as it was typed, and the message, in
    that handover's card."""

    allowed_roles = DESK_ROLES
    http_method_names = ["post"]
    template_name = "meetings/handover_queue.html"
    success_url = reverse_lazy("meetings:handover_queue")

    def accepts(self) -> bool:
        return self.kwargs["answer"] == "accept"

    @cached_property
    def handover(self):
        status = (
            HandoverStatus.ACCEPTED
            if self.kwargs["answer"] == "outcome"
            else HandoverStatus.PENDING
        )
        return selectors.handover_get(user=self.request.user, pk=self.kwargs["pk"], status=status)

    def post(self, request, *args, **kwargs):
        self.handover  # noqa: B018 - 404 outside the user's queue before the form is read
        return super().post(request, *args, **kwargs)

    def get_form_class(self):
        return {
            "accept": HandoverAcceptForm,
            "decline": HandoverDeclineForm,
            "outcome": HandoverOutcomeForm,
        }[self.kwargs["answer"]]

    def get_context_data(self, **kwargs):
        return handover_queue_context(
            self.request,
            answered=self.handover,
            answer=self.kwargs["answer"],
            answer_form=kwargs["form"],
        )

    def get_success_message(self, form):
        if self.accepts():
            return _("Handover accepted; the requester has been told.")
        if self.kwargs["answer"] == "outcome":
            return _("Outcome reported; the desk can read it with the question.")
        return _("Handover declined; the question is back at the desk.")

    def perform(self, form):
        if self.accepts():
            services.handover_accept(
                handover=self.handover, by=self.request.user, **form.cleaned_data
            )
        elif self.kwargs["answer"] == "outcome":
            services.handover_outcome_report(
                handover=self.handover, by=self.request.user, outcome=form.cleaned_data["outcome"]
            )
        else:
            services.handover_decline(
                handover=self.handover, by=self.request.user, reason=form.cleaned_data["reason"]
            )


# --- Contact moments -------------------------------------------------------------------------


class ContactMomentsView(RoleRequiredMixin, ServiceFormView):
    """Record proactive contact; list the area's providers without contact for 12 months."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/contact_moments.html"
    form_class = ContactMomentForm
    success_url = reverse_lazy("meetings:contact_moments")
    success_message = gettext_lazy("Contact moment recorded.")

    def get_initial(self):
        return {"provider": self.request.GET.get("provider")}

    def get_form_kwargs(self):
        desk = _own_desk(self.request.user)
        return {**super().get_form_kwargs(), "providers": selectors.desk_providers(desk=desk)}

    def get_context_data(self, **kwargs):
        desk = _own_desk(self.request.user)
        return super().get_context_data(
            desk=desk,
            without_contact=list(
                selectors.providers_without_contact(desk=desk, on=timezone.localdate())[:200]
            ),
            moments=list(selectors.contact_moments(desk=desk)[:50]),
            **kwargs,
        )

    def perform(self, form):
        services.contact_moment_record(
            desk=_own_desk(self.request.user), staff=self.request.user, **form.cleaned_data
        )


# --- Daily overview --------------------------------------------------------------------------


class DeskOverviewSettingsView(RoleRequiredMixin, ServiceFormView):
    """A club supporter's own switch for the daily overview e-mail (audited when changed)."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/desk_overview_settings.html"
    form_class = DeskOverviewForm
    success_url = reverse_lazy("meetings:desk_overview_settings")

    def get_initial(self):
        _own_desk(self.request.user)  # the overview is of a desk: 404 for an account without one
        return {"enabled": notices.desk_overview_enabled(user=self.request.user)}

    def get_success_message(self, form):
        if form.cleaned_data["enabled"]:
            return _("You will receive the daily overview.")
        return _("The daily overview has been switched off.")

    def perform(self, form):
        notices.desk_overview_set(user=self.request.user, enabled=form.cleaned_data["enabled"])
