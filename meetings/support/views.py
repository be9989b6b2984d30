"""Thin views of the desk: validate, call one service, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View

from sportloket.constants import Role
from sportloket.permissions import RoleRequiredMixin
from sportloket.ratelimit import ratelimit_post
from sportloket.redirects import safe_next
from sportloket.services import DomainError
from subsidies.selectors import budgets_for_desk

from ..models import SupportRequest
from . import selectors, services
from .constants import SupportStatus
from .filters import OPEN, SupportRequestFilter
from .forms import (
    AssignForm,
    BulkForm,
    ClassifyForm,
    ContactMomentForm,
    HandoverAcceptForm,
    HandoverDeclineForm,
    HandoverForm,
    MessageForm,
    ProviderMessageForm,
    PublicQuestionForm,
    QuestionAllocationForm,
    StaffQuestionForm,
    StatusForm,
)

DESK_ROLES = (Role.CLUB_SUPPORTER,)
READ_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


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
class PublicQuestionView(View):
    """The public question form (/hulpvraag/)."""

    template_name = "meetings/public_question.html"

    def get(self, request):
        return render(request, self.template_name, {"form": PublicQuestionForm()})

    def post(self, request):
        form = PublicQuestionForm(request.POST)
        if form.is_spam():
            return redirect("meetings:public_thanks")
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        data = form.cleaned_data
        try:
            services.support_request_submit(
                municipality=data["municipality"],
                provider_name=data["provider_name"],
                kvk_number=data["kvk_number"],
                contact_name=data["contact_name"],
                email=data["email"],
                subject=data["subject"],
                question=data["question"],
                category=data["category"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, self.template_name, {"form": form}, status=400)
        return redirect("meetings:public_thanks")


def public_thanks(request):
    return render(request, "meetings/public_thanks.html")


@method_decorator(ratelimit_post("support-follow"), name="dispatch")
class PublicFollowView(View):
    """The requester's private page: status and public messages only."""

    template_name = "meetings/public_follow.html"

    def context(self, support_request, form):
        return {
            "support_request": support_request,
            "events": selectors.timeline(
                request=support_request, include_internal=False, public_only=True
            ),
            "form": form,
        }

    def get(self, request, token):
        support_request = selectors.support_request_by_token(token=token)
        return render(
            request, self.template_name, self.context(support_request, ProviderMessageForm())
        )

    def post(self, request, token):
        support_request = selectors.support_request_by_token(token=token)
        form = ProviderMessageForm(request.POST)
        if form.is_valid():
            try:
                services.support_request_provider_message(
                    request=support_request, text=form.cleaned_data["text"]
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Thank you, your information has been added."))
                return redirect(support_request.get_public_url())
        return render(request, self.template_name, self.context(support_request, form), status=400)


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
        rows, has_next = selectors.page_of(filterset.qs, page=page)
        query = request.GET.copy()
        query.pop("page", None)
        context = {
            "filter": filterset,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "query": query.urlencode(),
            "options": options,
            "can_triage": self.scope.role in (Role.CLUB_SUPPORTER, Role.ADMINISTRATOR),
            "today": timezone.localdate(),
            "statuses": [c for c in SupportStatus.choices if c[0] != SupportStatus.HANDED_OVER],
            "priorities": services.Priority.choices,
            "bulk_actions": BulkForm.ACTIONS,
        }
        template = "meetings/_board_table.html" if _is_htmx(request) else "meetings/board.html"
        return render(request, template, context)


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


class RequestCreateView(RoleRequiredMixin, View):
    """Staff entry of a question that came in by phone, e-mail, visit or the sport platform."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/request_form.html"

    def form(self, data=None):
        desk = _own_desk(self.request.user)
        return StaffQuestionForm(data, providers=selectors.desk_providers(desk=desk))

    def get(self, request):
        return render(request, self.template_name, {"form": self.form()})

    def post(self, request):
        form = self.form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        data = form.cleaned_data
        try:
            created = services.support_request_create(
                desk=_own_desk(request.user),
                by=request.user,
                **{k: data[k] for k in data},
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, self.template_name, {"form": form}, status=400)
        messages.success(request, _("Question registered."))
        return redirect(created)


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
            "status_form": forms.get("status_form") or StatusForm(),
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

    def get(self, request, pk):
        support_request = selectors.support_request_get(user=request.user, pk=pk)
        return render(request, self.template_name, self.context(support_request))


class RequestActionView(RequestDetailView):
    """POST-only desk actions on one question; htmx gets the board row back."""

    allowed_roles = DESK_ROLES

    def get(self, request, pk, action):
        return redirect("meetings:request_detail", pk=pk)

    def post(self, request, pk, action):
        support_request = selectors.support_request_get(user=request.user, pk=pk)
        if not selectors.can_triage(self.scope, support_request):
            return render(request, "403.html", status=403)
        handler = getattr(self, f"do_{action.replace('-', '_')}", None)
        if handler is None:
            return redirect(support_request)
        form_name, form = None, None
        try:
            result = handler(request, support_request)
            if isinstance(result, tuple):
                form_name, form = result
        except DomainError as exc:
            if _is_htmx(request):
                return HttpResponse(exc.message, status=409)
            messages.error(request, exc.message)
            return _back(request, support_request.get_absolute_url())
        if form is not None:
            context = self.context(support_request, **{form_name: form})
            messages.error(request, _form_errors(form) or _("Check the form."))
            return render(request, self.template_name, context, status=400)
        if _is_htmx(request):
            row = selectors.board_queryset(user=request.user).get(pk=pk)
            return render(
                request,
                "meetings/_board_row.html",
                {"row": row, "can_triage": True, "today": timezone.localdate()},
            )
        messages.success(request, _("Saved."))
        return _back(request, support_request.get_absolute_url())

    def do_assign_me(self, request, support_request):
        services.support_request_assign(
            request=support_request, assignee=request.user, by=request.user
        )

    def do_assign(self, request, support_request):
        staff = list(selectors.desk_staff(desk_id=support_request.desk_id))
        form = AssignForm(request.POST, staff=staff)
        if not form.is_valid():
            return "assign_form", form
        assignee = form.staff.get(form.cleaned_data["assignee"])
        services.support_request_assign(request=support_request, assignee=assignee, by=request.user)

    def do_status(self, request, support_request):
        form = StatusForm(request.POST)
        if not form.is_valid():
            return "status_form", form
        services.support_request_transition(
            request=support_request,
            to=form.cleaned_data["status"],
            by=request.user,
            text=form.cleaned_data["text"],
        )

    def do_classify(self, request, support_request):
        form = ClassifyForm(request.POST)
        if not form.is_valid():
            return "classify_form", form
        services.support_request_update(
            request=support_request,
            by=request.user,
            category=form.cleaned_data["category"],
            priority=form.cleaned_data["priority"],
        )

    def do_message(self, request, support_request):
        form = MessageForm(request.POST)
        if not form.is_valid():
            return "message_form", form
        services.support_request_message(
            request=support_request,
            text=form.cleaned_data["text"],
            public=form.cleaned_data["public"],
            by=request.user,
        )

    def do_handover(self, request, support_request):
        form = HandoverForm(request.POST, desk_id=support_request.desk_id)
        if not form.is_valid():
            return "handover_form", form
        services.handover_create(
            request=support_request,
            organisation=form.cleaned_data["organisation"],
            note=form.cleaned_data["note"],
            by=request.user,
        )


class RequestAllocateView(RoleRequiredMixin, View):
    """Decide on money for a question from one of its desk's budgets (with a rationale)."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/request_allocate.html"

    def form(self, support_request: SupportRequest, data=None) -> QuestionAllocationForm:
        budgets = budgets_for_desk(desk_id=support_request.desk_id)
        return QuestionAllocationForm(data, budgets=budgets)

    def show(self, support_request: SupportRequest, form, status: int = 200) -> HttpResponse:
        context = {
            "support_request": support_request,
            "form": form,
            "allocations": selectors.allocations_for_request(request=support_request),
        }
        return render(self.request, self.template_name, context, status=status)

    def get(self, request, pk):
        support_request = selectors.allocatable_request_get(user=request.user, pk=pk)
        return self.show(support_request, self.form(support_request))

    def post(self, request, pk):
        support_request = selectors.allocatable_request_get(user=request.user, pk=pk)
        form = self.form(support_request, request.POST)
        if not form.is_valid():
            return self.show(support_request, form, status=400)
        data = form.cleaned_data
        try:
            services.support_request_allocate(
                request=support_request,
                budget=data["budget"],
                amount=data["amount"],
                decision=data["decision"],
                rationale=data["rationale"],
                decided_on=data["decided_on"],
                by=request.user,
            )
        except DomainError as exc:
            form = self.form(support_request, request.POST)  # balances as they are now
            form.is_valid()
            form.add_error(None, exc.message)
            return self.show(support_request, form, status=400)
        messages.success(request, _("The decision has been recorded."))
        return redirect(support_request)


# --- Handovers to my organisation ------------------------------------------------------------


class HandoverQueueView(RoleRequiredMixin, View):
    """The receiving organisation's queue: accept or decline handovers."""

    allowed_roles = DESK_ROLES

    def get(self, request):
        handovers = list(selectors.handover_queue(user=request.user)[:200])
        return render(
            request,
            "meetings/handover_queue.html",
            {
                "handovers": handovers,
                "accept_form": HandoverAcceptForm(),
                "decline_form": HandoverDeclineForm(),
                "today": timezone.localdate(),
            },
        )


class HandoverAnswerView(RoleRequiredMixin, View):
    allowed_roles = DESK_ROLES

    def post(self, request, pk, answer):
        handover = selectors.handover_get(user=request.user, pk=pk)
        form_class = HandoverAcceptForm if answer == "accept" else HandoverDeclineForm
        form = form_class(request.POST)
        if not form.is_valid():
            messages.error(request, _form_errors(form))
            return redirect("meetings:handover_queue")
        try:
            if answer == "accept":
                services.handover_accept(handover=handover, by=request.user, **form.cleaned_data)
                messages.success(request, _("Handover accepted; the requester has been told."))
            else:
                services.handover_decline(
                    handover=handover, by=request.user, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("Handover declined; the question is back at the desk."))
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect("meetings:handover_queue")


# --- Contact moments -------------------------------------------------------------------------


class ContactMomentsView(RoleRequiredMixin, View):
    """Record proactive contact; list the area's providers without contact for 12 months."""

    allowed_roles = DESK_ROLES
    template_name = "meetings/contact_moments.html"

    def context(self, form):
        desk = _own_desk(self.request.user)
        return {
            "form": form,
            "desk": desk,
            "without_contact": list(
                selectors.providers_without_contact(desk=desk, on=timezone.localdate())[:200]
            ),
            "moments": list(selectors.contact_moments(desk=desk)[:50]),
        }

    def form(self, data=None):
        desk = _own_desk(self.request.user)
        return ContactMomentForm(
            data,
            providers=selectors.desk_providers(desk=desk),
            initial={"provider": self.request.GET.get("provider")},
        )

    def get(self, request):
        return render(request, self.template_name, self.context(self.form()))

    def post(self, request):
        form = self.form(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.context(form), status=400)
        try:
            services.contact_moment_record(
                desk=_own_desk(request.user), staff=request.user, **form.cleaned_data
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return render(request, self.template_name, self.context(form), status=400)
        messages.success(request, _("Contact moment recorded."))
        return redirect("meetings:contact_moments")
