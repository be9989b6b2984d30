"""The desk dashboard (club supporters of the desk; policy staff of a municipality it serves,
read-only; POS staff any desk), its CSV exports and the yearly monitoring spreadsheet."""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from poskantoor.charts import bar_chart
from poskantoor.dashboard_views import csv_response
from sportloket.constants import Role
from sportloket.permissions import RoleRequiredMixin

from . import dashboard, monitoring

DASHBOARD_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF)


class DeskDashboardMixin(RoleRequiredMixin):
    allowed_roles = DASHBOARD_ROLES

    def get_dashboard(self):
        raw = self.request.GET.get("desk", "")
        desk_id = int(raw) if raw.isdigit() else None
        desk, desks = dashboard.dashboard_desk(user=self.request.user, desk_id=desk_id)
        return dashboard.desk_dashboard(desk=desk), desks


class DeskDashboardView(DeskDashboardMixin, TemplateView):
    template_name = "meetings/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data, desks = self.get_dashboard()
        context.update(
            data=data,
            desks=desks,
            query=f"?desk={data.desk.pk}",
            status_chart=bar_chart(
                slug="status", title=_("Questions per status"), rows=data.per_status
            ),
            category_chart=bar_chart(
                slug="category", title=_("Questions per category"), rows=data.per_category
            ),
            week_chart=bar_chart(
                slug="week",
                title=_("Questions per week"),
                rows=[(week.strftime("%d-%m-%Y"), n) for week, n in data.per_week],
            ),
            handover_chart=bar_chart(
                slug="handovers",
                title=_("Handovers per organisation"),
                rows=[(row.organisation, row.total) for row in data.handovers],
            ),
            safety_chart=bar_chart(
                slug="safety",
                title=_("Providers that meet each social-safety basic"),
                rows=[(row.label, row.met) for row in data.safety],
                texts=[f"{row.met} ({row.share(data.providers)}%)" for row in data.safety],
            ),
        )
        return context


class DeskDashboardCsvView(DeskDashboardMixin, View):
    def get(self, request, table: str):
        data, _desks = self.get_dashboard()
        stamp = timezone.localdate().isoformat()
        name = f"loket-{data.desk.pk}-{table}-{stamp}.csv"
        if table == "status":
            return csv_response(name, [_("Status"), _("Questions")], data.per_status)
        if table == "category":
            return csv_response(name, [_("Category"), _("Questions")], data.per_category)
        if table == "week":
            return csv_response(
                name,
                [_("Week (Monday)"), _("Questions")],
                [[week.isoformat(), n] for week, n in data.per_week],
            )
        if table == "handovers":
            return csv_response(
                name,
                [
                    _("Organisation"),
                    _("Handovers"),
                    _("Accepted"),
                    _("Declined"),
                    _("Not answered in time"),
                    _("Awaiting acknowledgement"),
                ],
                [
                    [r.organisation, r.total, r.accepted, r.declined, r.expired, r.pending]
                    for r in data.handovers
                ],
            )
        if table == "providers":
            rows = [
                [_("Providers in the area"), data.providers, ""],
                [_("Contacted in the last 12 months"), data.contacted, data.contacted_share],
            ] + [[row.label, row.met, row.share(data.providers)] for row in data.safety]
            return csv_response(name, [_("Figure"), _("Providers"), _("Percentage")], rows)
        if table == "rising-themes":
            return csv_response(
                name,
                [_("Theme"), _("Previous quarter"), _("This quarter")],
                [[row.theme.name, row.previous, row.current] for row in data.rising],
            )
        if table == "signals":
            return csv_response(
                name,
                [_("Date"), _("Theme"), _("Signal")],
                [
                    [signal.recorded_on.isoformat(), signal.theme.name, signal.description]
                    for signal in data.signals
                ],
            )
        raise Http404


class MonitoringExportView(RoleRequiredMixin, View):
    """Sportakkoord II monitor: one spreadsheet per year, a row per municipality in scope."""

    allowed_roles = (Role.POS_STAFF, Role.POLICY_STAFF)

    def get(self, request, year: int):
        if not 2020 <= year <= 2100:
            raise Http404
        header, rows = monitoring.monitoring_rows(user=request.user, year=year)
        buffer = io.BytesIO()
        monitoring.write_xlsx(
            buffer, title=_("Monitor %(year)s") % {"year": year}, header=header, rows=rows
        )
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="sportakkoord-monitor-{year}.xlsx"'
        return response
