"""Thin views of the desk as network coordination point: quality, network map, signals."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from sportloket import services as core_services
from sportloket.constants import Role
from sportloket.models import Desk
from sportloket.permissions import RoleRequiredMixin
from sportloket.selectors import desk_get, desk_list
from sportloket.services import DomainError

from . import selectors_network as selectors
from . import services_network as services
from .forms_network import NetworkFilterForm, SignalForm, TickForm
from .quality import SPORTAKKOORD_DESK_TARGET, desk_criteria, desks_meeting_all

READ_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF)


def _desk(user, pk: int) -> Desk:
    try:
        return desk_get(user=user, pk=pk)
    except Desk.DoesNotExist as exc:
        raise Http404 from exc


def _quality_page(request, *, desk: Desk, manages: bool, tick_form=None, status=200):
    today = timezone.localdate()
    quarter = selectors.Quarter.parse(
        request.GET.get("kwartaal"), default=selectors.Quarter.of(today)
    )
    theme_counts, category_counts = selectors.quarter_counts(desk=desk, quarter=quarter)
    context = {
        "desk": desk,
        "quality": desk_criteria([desk], on=today)[0],
        "quarter": quarter,
        "theme_counts": theme_counts,
        "category_counts": category_counts,
        "rising": selectors.rising_among(theme_counts),
        "signals": selectors.signals_for_desk(desk=desk),
        "tick_form": (tick_form or TickForm()) if manages else None,
    }
    return render(request, "network/quality.html", context, status=status)


class DeskQualityView(RoleRequiredMixin, View):
    """How many criteria a desk meets and what is missing; its signals and rising themes."""

    allowed_roles = READ_ROLES

    def get(self, request, pk):
        manages = self.scope.role in (Role.CLUB_SUPPORTER, Role.ADMINISTRATOR)
        return _quality_page(request, desk=_desk(request.user, pk), manages=manages)


class TickView(RoleRequiredMixin, View):
    """Tick or untick a manual criterion (club supporters of the desk)."""

    allowed_roles = (Role.CLUB_SUPPORTER,)

    def post(self, request, pk):
        desk = _desk(request.user, pk)
        if request.POST.get("untick"):
            try:
                core_services.criterion_untick(
                    desk=desk, criterion=request.POST["untick"], by=request.user
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            return redirect("network:quality", pk=desk.pk)
        form = TickForm(request.POST)
        if not form.is_valid():
            return _quality_page(request, desk=desk, manages=True, tick_form=form, status=400)
        try:
            core_services.criterion_tick(desk=desk, by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return _quality_page(request, desk=desk, manages=True, tick_form=form, status=400)
        messages.success(request, _("Criterion ticked."))
        return redirect("network:quality", pk=desk.pk)


class DeskNetworkView(RoleRequiredMixin, View):
    """The desk's partners by domain and theme, with contact persons and the platform's role."""

    allowed_roles = READ_ROLES
    template_name = "network/network.html"

    def get(self, request, pk):
        desk = _desk(request.user, pk)
        form = NetworkFilterForm(request.GET or None)
        filters = form.cleaned_data if form.is_valid() else {}
        theme = filters.get("theme")
        partners = selectors.network_partners(
            desk=desk,
            domain=filters.get("domain", ""),
            theme_id=theme.pk if theme else None,
            text=filters.get("q", ""),
        )
        return render(
            request,
            self.template_name,
            {"desk": desk, "form": form, "partners": partners, "filtered": bool(filters)},
            status=200 if form.is_valid() or not request.GET else 400,
        )


class DeskComparisonView(RoleRequiredMixin, View):
    """All desks in scope side by side, criterion by criterion (a fixed number of queries)."""

    allowed_roles = (Role.POS_STAFF, Role.POLICY_STAFF)
    template_name = "network/comparison.html"

    def get(self, request):
        qualities = desk_criteria(desk_list(user=request.user), on=timezone.localdate())
        criteria = qualities[0].results if qualities else []
        return render(
            request,
            self.template_name,
            {
                "qualities": qualities,
                "criteria": [r.criterion for r in criteria],
                "meeting_all": desks_meeting_all(qualities),
                "target": SPORTAKKOORD_DESK_TARGET,
            },
        )


class SignalsView(RoleRequiredMixin, View):
    """Signals of the desks in scope, and recording a new one for the strategic agenda."""

    allowed_roles = READ_ROLES
    template_name = "network/signals.html"

    def render_page(self, form, status=200):
        desks = list(desk_list(user=self.request.user).order_by("name"))
        signals = selectors.signal_list(user=self.request.user)[:100]
        return render(
            self.request,
            self.template_name,
            {"form": form, "signals": signals, "desks": desks},
            status=status,
        )

    def form(self, data=None):
        return SignalForm(data, desks=desk_list(user=self.request.user).order_by("name"))

    def get(self, request):
        return self.render_page(self.form())

    def post(self, request):
        form = self.form(request.POST)
        if not form.is_valid():
            return self.render_page(form, status=400)
        try:
            services.signal_record(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
            return self.render_page(form, status=400)
        messages.success(request, _("Signal recorded."))
        return redirect("network:signals")
