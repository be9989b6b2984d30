"""Thin views: validate, call one service or selector, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from sportloket.constants import Role
from sportloket.formviews import ServiceFormView
from sportloket.permissions import RoleRequiredMixin
from sportloket.ratelimit import ratelimit_post
from sportloket.redirects import safe_next
from sportloket.services import DomainError

from . import selectors, services
from .csv_export import transparency_csv
from .forms import (
    AllocationForm,
    BudgetForm,
    BudgetUpdateForm,
    SchemeFilterForm,
    SchemeForm,
    ShareForm,
    WithdrawForm,
)

MANAGERS = (Role.CLUB_SUPPORTER, Role.POS_STAFF)
# Schemes are national (bound to no municipality): their text and link go out in the digest
# to every provider in the country, so only POS staff and administrators write them; a club
# supporter changing the link would be a phishing vector. Club supporters read and share.
SCHEME_EDITORS = (Role.POS_STAFF,)


def can_edit_schemes(view) -> bool:
    return view.scope.role in (*SCHEME_EDITORS, Role.ADMINISTRATOR)


class SchemeListView(RoleRequiredMixin, TemplateView):
    rate_limit = "search"
    allowed_roles = MANAGERS
    template_name = "subsidies/scheme_list.html"

    def get_context_data(self, **kwargs):
        form = SchemeFilterForm(self.request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        return super().get_context_data(
            form=form,
            schemes=selectors.scheme_list(filters=filters),
            today=timezone.localdate(),
            can_edit=can_edit_schemes(self),
        )


class SchemeFormView(RoleRequiredMixin, ServiceFormView):
    """Create or edit a (national) scheme: POS staff and administrators only."""

    allowed_roles = SCHEME_EDITORS
    template_name = "subsidies/scheme_form.html"
    form_class = SchemeForm
    success_message = gettext_lazy("The scheme has been saved.")

    @cached_property
    def scheme(self):
        pk = self.kwargs.get("pk")
        return selectors.scheme_get(pk=pk) if pk else None

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.scheme}

    def get_context_data(self, **kwargs):
        return super().get_context_data(scheme=self.scheme, **kwargs)

    def perform(self, form):
        return services.scheme_save(
            scheme=self.scheme, data=form.cleaned_data, by=self.request.user
        )


class SchemeDetailView(RoleRequiredMixin, ServiceFormView):
    """A scheme, one page of the providers in the user's area it fits, and the share form.
    Matching happens in the database; "all matching providers" is shared set-based."""

    allowed_roles = MANAGERS
    template_name = "subsidies/scheme_detail.html"
    form_class = ShareForm
    paginate_by = 50

    @cached_property
    def scheme(self):
        return selectors.scheme_get(pk=self.kwargs["pk"])

    @cached_property
    def unshared(self):
        matching = selectors.providers_for_scheme(user=self.request.user, scheme=self.scheme)
        return selectors.not_shared(matching, self.scheme)

    def get_form_kwargs(self):
        unshared = self.unshared

        def allowed(ids: list[int]) -> set[int]:
            return set(unshared.filter(pk__in=ids).values_list("pk", flat=True))

        return {**super().get_form_kwargs(), "allowed": allowed}

    def get_context_data(self, **kwargs):
        user, scheme = self.request.user, self.scheme
        is_open = scheme.is_open(timezone.localdate())
        matching = selectors.providers_for_scheme(user=user, scheme=scheme)
        page = Paginator(matching, self.paginate_by).get_page(self.request.GET.get("page"))
        rows = selectors.with_reasons(page.object_list, scheme)
        return super().get_context_data(
            scheme=scheme,
            page=page,
            matches=rows,
            shared_ids=selectors.shared_ids_among(
                scheme=scheme, provider_ids=[m.provider.pk for m in rows]
            ),
            shares=selectors.shares_for_scheme(user=user, scheme=scheme)[:50],
            is_open=is_open,
            unshared=self.unshared,
            can_share=is_open and self.unshared.exists(),
            can_edit=can_edit_schemes(self),
            **kwargs,
        )

    def perform(self, form):
        if form.cleaned_data["all_matching"]:
            chosen = self.unshared
        else:
            chosen = self.unshared.filter(pk__in=form.cleaned_data["providers"])
        shared, skipped = services.scheme_share(
            scheme=self.scheme, providers=chosen, by=self.request.user
        )
        messages.success(
            self.request,
            _("Shared with %(shared)d providers by e-mail (%(skipped)d skipped).")
            % {"shared": shared, "skipped": skipped},
        )
        return self.scheme


class ProviderListView(RoleRequiredMixin, TemplateView):
    rate_limit = "search"
    allowed_roles = MANAGERS
    template_name = "subsidies/provider_list.html"

    def get_context_data(self, **kwargs):
        q = self.request.GET.get("q", "").strip()[:100]
        providers = selectors.provider_list(user=self.request.user, q=q)[:200]
        return super().get_context_data(q=q, providers=providers)


class ProviderMatchView(RoleRequiredMixin, TemplateView):
    allowed_roles = MANAGERS
    template_name = "subsidies/provider_matches.html"

    def get_context_data(self, **kwargs):
        provider = selectors.provider_get(user=self.request.user, pk=kwargs["pk"])
        return super().get_context_data(
            provider=provider,
            matches=selectors.matches_for_provider(provider),
            shared_ids=set(provider.scheme_shares.values_list("scheme_id", flat=True)),
        )


class BudgetListView(RoleRequiredMixin, ServiceFormView):
    allowed_roles = MANAGERS
    template_name = "subsidies/budget_list.html"
    form_class = BudgetForm
    success_message = gettext_lazy("The budget has been added.")

    def get_form_kwargs(self):
        desks = selectors.desk_queryset(user=self.request.user)
        return {**super().get_form_kwargs(), "desks": desks}

    def get_context_data(self, **kwargs):
        budgets = selectors.budget_list(user=self.request.user)
        return super().get_context_data(budgets=budgets, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        return services.budget_create(
            desk=data["desk"],
            year=data["year"],
            kind=data["kind"],
            name=data["name"],
            total=data["total"],
            by=self.request.user,
        )


class BudgetMixin(RoleRequiredMixin):
    """A budget in the user's scope; after a refusal the page shows its amounts as they are
    now (another decision may have been recorded meanwhile)."""

    allowed_roles = MANAGERS

    @cached_property
    def budget(self):
        return selectors.budget_get(user=self.request.user, pk=self.kwargs["pk"])

    def refused(self, form, error):
        self.budget.refresh_from_db()
        return super().refused(form, error)


class BudgetDetailView(BudgetMixin, ServiceFormView):
    template_name = "subsidies/budget_detail.html"
    form_class = AllocationForm
    success_message = gettext_lazy("The decision has been recorded.")

    def get_form_kwargs(self):
        providers = selectors.allocation_providers(desk=self.budget.desk)
        return {**super().get_form_kwargs(), "providers": providers}

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            budget=self.budget,
            allocations=selectors.allocations_for_budget(budget=self.budget),
            **kwargs,
        )

    def perform(self, form):
        data = form.cleaned_data
        services.allocation_create(
            budget=self.budget,
            provider=data["provider"],
            amount=data["amount"],
            decision=data["decision"],
            rationale=data["rationale"],
            decided_on=data["decided_on"],
            by=self.request.user,
        )
        return self.budget


class BudgetUpdateView(BudgetMixin, ServiceFormView):
    """Change a budget's name, kind or total; never below what is already allocated."""

    template_name = "subsidies/budget_form.html"
    form_class = BudgetUpdateForm
    success_message = gettext_lazy("The budget has been saved.")

    def get_initial(self):
        budget = self.budget
        return {"name": budget.name, "kind": budget.kind, "total": budget.total}

    def get_context_data(self, **kwargs):
        return super().get_context_data(budget=self.budget, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        services.budget_update(
            budget=self.budget,
            name=data["name"],
            kind=data["kind"],
            total=data["total"],
            by=self.request.user,
        )
        return self.budget


class AllocationWithdrawView(RoleRequiredMixin, ServiceFormView):
    """Withdraw a granted allocation with a reason; back to ``next`` (e.g. the support
    question it was made for) or to the budget."""

    allowed_roles = MANAGERS
    template_name = "subsidies/allocation_withdraw.html"
    form_class = WithdrawForm
    success_message = gettext_lazy("The allocation has been withdrawn.")

    @cached_property
    def allocation(self):
        return selectors.allocation_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_success_url(self):
        return safe_next(self.request) or self.allocation.budget.get_absolute_url()

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            allocation=self.allocation,
            next=safe_next(self.request),
            back=self.get_success_url(),
            **kwargs,
        )

    def perform(self, form):
        services.allocation_withdraw(
            allocation=self.allocation, reason=form.cleaned_data["reason"], by=self.request.user
        )

    def refused(self, form, error):
        self.allocation.refresh_from_db()
        return super().refused(form, error)


class TransparencyIndexView(RoleRequiredMixin, TemplateView):
    template_name = "subsidies/transparency_index.html"
    allowed_roles = (Role.CLUB_SUPPORTER, Role.POS_STAFF, Role.POLICY_STAFF)

    def get_context_data(self, **kwargs):
        desks = selectors.transparency_desks(user=self.request.user)
        rows = [(desk, selectors.transparency_years(desk=desk)) for desk in desks[:100]]
        return super().get_context_data(rows=rows, this_year=timezone.localdate().year)


class TransparencyView(RoleRequiredMixin, TemplateView):
    """What a desk allocated to whom and why in one year; ``?format=csv`` downloads it."""

    template_name = "subsidies/transparency.html"
    allowed_roles = (Role.CLUB_SUPPORTER, Role.POS_STAFF, Role.POLICY_STAFF)

    def get(self, request, *args, **kwargs):
        desk = selectors.transparency_desk_get(user=request.user, pk=kwargs["desk"])
        year = kwargs["year"]
        if not 2000 <= year <= 2100:
            raise Http404
        allocations = selectors.transparency_allocations(desk=desk, year=year)
        if request.GET.get("format") == "csv":
            response = HttpResponse(content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = (
                f'attachment; filename="transparantie-loket-{desk.pk}-{year}.csv"'
            )
            transparency_csv(response, allocations)
            return response
        context = self.get_context_data(
            desk=desk,
            year=year,
            allocations=allocations,
            budgets=selectors.transparency_budgets(desk=desk, year=year),
        )
        return self.render_to_response(context)


@method_decorator(ratelimit_post("subsidies-unsubscribe"), name="post")
class UnsubscribeView(View):
    """Public: the unsubscribe link in every scheme e-mail, no login needed. GET asks, POST
    unsubscribes (a mail scanner that follows the link must not unsubscribe anyone)."""

    template_name = "subsidies/unsubscribe.html"

    def get(self, request, token):
        try:
            provider = services.provider_for_unsubscribe_token(token=token)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        return render(request, self.template_name, {"provider": provider})

    def post(self, request, token):
        try:
            provider = services.provider_for_unsubscribe_token(token=token)
        except DomainError as exc:
            return render(request, self.template_name, {"error": exc.message}, status=400)
        services.digest_unsubscribe(provider=provider)
        return render(request, self.template_name, {"provider": provider, "done": True})
