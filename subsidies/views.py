"""Thin views: validate, call one service or selector, message, redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sportloket.constants import Role
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


class SchemeFormView(RoleRequiredMixin, View):
    """Create or edit a (national) scheme: POS staff and administrators only."""

    allowed_roles = SCHEME_EDITORS

    def get_scheme(self):
        pk = self.kwargs.get("pk")
        return selectors.scheme_get(pk=pk) if pk else None

    def get(self, request, pk=None):
        scheme = self.get_scheme()
        return self.show(SchemeForm(instance=scheme), scheme)

    def post(self, request, pk=None):
        scheme = self.get_scheme()
        form = SchemeForm(request.POST, instance=scheme)
        if not form.is_valid():
            return self.show(form, scheme)
        try:
            scheme = services.scheme_save(scheme=scheme, data=form.cleaned_data, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
            return self.show(form, scheme)
        messages.success(request, _("The scheme has been saved."))
        return redirect(scheme)

    def show(self, form, scheme):
        return render(self.request, "subsidies/scheme_form.html", {"form": form, "scheme": scheme})


class SchemeDetailView(RoleRequiredMixin, View):
    """A scheme, one page of the providers in the user's area it fits, and the share form.
    Matching happens in the database; "all matching providers" is shared set-based."""

    allowed_roles = MANAGERS
    paginate_by = 50

    def context(self, scheme, form=None):
        user = self.request.user
        is_open = scheme.is_open(timezone.localdate())
        matching = selectors.providers_for_scheme(user=user, scheme=scheme)
        page = Paginator(matching, self.paginate_by).get_page(self.request.GET.get("page"))
        rows = selectors.with_reasons(page.object_list, scheme)
        unshared = selectors.not_shared(matching, scheme)
        return {
            "scheme": scheme,
            "page": page,
            "matches": rows,
            "shared_ids": selectors.shared_ids_among(
                scheme=scheme, provider_ids=[m.provider.pk for m in rows]
            ),
            "shares": selectors.shares_for_scheme(user=user, scheme=scheme)[:50],
            "is_open": is_open,
            "form": form or self.form(unshared),
            "unshared": unshared,
            "can_share": is_open and unshared.exists(),
            "can_edit": can_edit_schemes(self),
        }

    def form(self, unshared, data=None):
        def allowed(ids: list[int]) -> set[int]:
            return set(unshared.filter(pk__in=ids).values_list("pk", flat=True))

        return ShareForm(data, allowed=allowed)

    def get(self, request, pk):
        scheme = selectors.scheme_get(pk=pk)
        return render(request, "subsidies/scheme_detail.html", self.context(scheme))

    def post(self, request, pk):
        scheme = selectors.scheme_get(pk=pk)
        unshared = selectors.not_shared(
            selectors.providers_for_scheme(user=request.user, scheme=scheme), scheme
        )
        form = self.form(unshared, request.POST)
        if not form.is_valid():
            ctx = self.context(scheme, form=form)
            return render(request, "subsidies/scheme_detail.html", ctx, status=400)
        if form.cleaned_data["all_matching"]:
            chosen = unshared
        else:
            chosen = unshared.filter(pk__in=form.cleaned_data["providers"])
        try:
            shared, skipped = services.scheme_share(
                scheme=scheme, providers=chosen, by=request.user
            )
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(scheme)
        messages.success(
            request,
            _("Shared with %(shared)d providers by e-mail (%(skipped)d skipped).")
            % {"shared": shared, "skipped": skipped},
        )
        return redirect(scheme)


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


class BudgetListView(RoleRequiredMixin, View):
    allowed_roles = MANAGERS

    def get(self, request):
        return self.show(self.form())

    def post(self, request):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.show(form, status=400)
        data = form.cleaned_data
        try:
            budget = services.budget_create(
                desk=data["desk"],
                year=data["year"],
                kind=data["kind"],
                name=data["name"],
                total=data["total"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.show(form, status=400)
        messages.success(request, _("The budget has been added."))
        return redirect(budget)

    def form(self, data=None):
        return BudgetForm(data, desks=selectors.desk_queryset(user=self.request.user))

    def show(self, form, status=200):
        budgets = selectors.budget_list(user=self.request.user)
        return render(
            self.request,
            "subsidies/budget_list.html",
            {"budgets": budgets, "form": form},
            status=status,
        )


class BudgetDetailView(RoleRequiredMixin, View):
    allowed_roles = MANAGERS

    def get(self, request, pk):
        budget = selectors.budget_get(user=request.user, pk=pk)
        return self.show(budget, self.form(budget))

    def post(self, request, pk):
        budget = selectors.budget_get(user=request.user, pk=pk)
        form = self.form(budget, request.POST)
        if not form.is_valid():
            return self.show(budget, form, status=400)
        data = form.cleaned_data
        try:
            services.allocation_create(
                budget=budget,
                provider=data["provider"],
                amount=data["amount"],
                decision=data["decision"],
                rationale=data["rationale"],
                decided_on=data["decided_on"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            budget.refresh_from_db()
            return self.show(budget, form, status=400)
        messages.success(request, _("The decision has been recorded."))
        return redirect(budget)

    def form(self, budget, data=None):
        return AllocationForm(data, providers=selectors.allocation_providers(desk=budget.desk))

    def show(self, budget, form, status=200):
        return render(
            self.request,
            "subsidies/budget_detail.html",
            {
                "budget": budget,
                "form": form,
                "allocations": selectors.allocations_for_budget(budget=budget),
            },
            status=status,
        )


class BudgetUpdateView(RoleRequiredMixin, View):
    """Change a budget's name, kind or total; never below what is already allocated."""

    allowed_roles = MANAGERS

    def get(self, request, pk):
        budget = selectors.budget_get(user=request.user, pk=pk)
        initial = {"name": budget.name, "kind": budget.kind, "total": budget.total}
        return self.show(budget, BudgetUpdateForm(initial=initial))

    def post(self, request, pk):
        budget = selectors.budget_get(user=request.user, pk=pk)
        form = BudgetUpdateForm(request.POST)
        if not form.is_valid():
            return self.show(budget, form, status=400)
        data = form.cleaned_data
        try:
            services.budget_update(
                budget=budget,
                name=data["name"],
                kind=data["kind"],
                total=data["total"],
                by=request.user,
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            budget.refresh_from_db()
            return self.show(budget, form, status=400)
        messages.success(request, _("The budget has been saved."))
        return redirect(budget)

    def show(self, budget, form, status=200):
        return render(
            self.request,
            "subsidies/budget_form.html",
            {"budget": budget, "form": form},
            status=status,
        )


class AllocationWithdrawView(RoleRequiredMixin, View):
    """Withdraw a granted allocation with a reason; back to ``next`` (e.g. the support
    question it was made for) or to the budget."""

    allowed_roles = MANAGERS

    def get(self, request, pk):
        allocation = selectors.allocation_get(user=request.user, pk=pk)
        return self.show(allocation, WithdrawForm())

    def post(self, request, pk):
        allocation = selectors.allocation_get(user=request.user, pk=pk)
        form = WithdrawForm(request.POST)
        if not form.is_valid():
            return self.show(allocation, form, status=400)
        try:
            services.allocation_withdraw(
                allocation=allocation, reason=form.cleaned_data["reason"], by=request.user
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            allocation.refresh_from_db()
            return self.show(allocation, form, status=400)
        messages.success(request, _("The allocation has been withdrawn."))
        return redirect(safe_next(request) or allocation.budget.get_absolute_url())

    def show(self, allocation, form, status=200):
        return render(
            self.request,
            "subsidies/allocation_withdraw.html",
            {
                "allocation": allocation,
                "form": form,
                "next": safe_next(self.request),
                "back": safe_next(self.request) or allocation.budget.get_absolute_url(),
            },
            status=status,
        )


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
