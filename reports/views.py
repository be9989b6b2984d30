"""The dashboards and their exports.

The desk dashboard: club supporters see their desk, policy staff the desks serving their
municipality (read-only), POS staff any desk; a CSV per table and the yearly monitoring
spreadsheet. The POS national dashboard (POS staff and administrators): a CSV per table.
"""

from __future__ import annotations

import io

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from poskantoor.constants import OfficeStatus, StepCode
from sportloket.constants import Role
from sportloket.formatting import Measure
from sportloket.models import Municipality
from sportloket.permissions import RoleRequiredMixin

from . import selectors
from .charts import bar_chart
from .exports import csv_response, write_xlsx
from .maps import selectors as map_selectors
from .maps.svg import cached_draw

OVERDUE_SHOWN = 50
DASHBOARD_ROLES = (Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF)


def _days(value: float | None) -> Measure | str:
    """A median of days: whole days as "160", a half as "160,5" (a comma in CSV too)."""
    if value is None:
        return ""
    return Measure.natural(value)


class DeskDashboardMixin(RoleRequiredMixin):
    allowed_roles = DASHBOARD_ROLES

    def get_dashboard(self):
        raw = self.request.GET.get("desk", "")
        desk_id = int(raw) if raw.isdigit() else None
        desk, desks = selectors.dashboard_desk(user=self.request.user, desk_id=desk_id)
        return selectors.desk_dashboard(desk=desk), desks


class DeskDashboardView(DeskDashboardMixin, TemplateView):
    template_name = "reports/desk_dashboard.html"

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
    rate_limit = "export"

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

    rate_limit = "export"

    allowed_roles = (Role.POS_STAFF, Role.POLICY_STAFF)

    def get(self, request, year: int):
        if not 2020 <= year <= 2100:
            raise Http404
        header, rows = selectors.monitoring_rows(user=request.user, year=year)
        buffer = io.BytesIO()
        write_xlsx(buffer, title=_("Monitor %(year)s") % {"year": year}, header=header, rows=rows)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="sportakkoord-monitor-{year}.xlsx"'
        return response


class PosDashboardMixin(RoleRequiredMixin):
    allowed_roles = (Role.POS_STAFF,)

    def get_province(self) -> str:
        """The ``?province=`` filter; an unknown province is ignored rather than an error."""
        province = self.request.GET.get("province", "")
        return province if province in self.provinces else ""

    def get_dashboard(self) -> selectors.PosDashboard:
        return selectors.pos_dashboard(province=self.get_province())

    @cached_property
    def provinces(self) -> list[str]:
        return sorted(
            Municipality.objects.filter(active=True)
            .order_by()
            .values_list("province", flat=True)
            .distinct()
        )


class PosDashboardView(PosDashboardMixin, TemplateView):
    template_name = "reports/pos_dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = self.get_dashboard()
        lead = [row for row in data.lead_times if row.median_days is not None]
        context.update(
            data=data,
            provinces=self.provinces,
            funnel_chart=bar_chart(
                slug="funnel",
                title=_("POS offices per founding step (reached)"),
                rows=[(row.label, row.reached) for row in data.funnel],
                centred=True,
            ),
            lead_chart=bar_chart(
                slug="lead-times",
                title=_("Median days per step; dashed line: norm"),
                rows=[(row.label, row.median_days) for row in lead],
                texts=[
                    _("%(median)s d (norm %(norm)s d)")
                    % {
                        "median": str(_days(row.median_days)),
                        "norm": str(_days(row.norm_days or 0)),
                    }
                    for row in lead
                ],
                markers=[row.norm_days for row in lead],
            ),
            query=f"?{urlencode({'province': data.province})}" if data.province else "",
            office_table=self.office_table(data),
            overdue_table=self.overdue_table(data),
            overdue_shown=OVERDUE_SHOWN,
            **self.map_context(data),
        )
        return context

    @staticmethod
    def map_context(data: selectors.PosDashboard) -> dict:
        """The map of the municipalities by founding step, its legend and its rows (the
        table beside it); zoomed to the province when one is chosen. The offices come from
        the dashboard's own rows (overdue: an open step past its deadline)."""
        province = data.province
        current = {
            row.office.municipality_id: (
                row.office.pk,
                row.office.current_step,
                row.days_overdue > 0,
            )
            for row in data.offices
        }
        rows = map_selectors.staff_map_rows(province=province, current=current)
        title = (
            _("POS offices per founding step in %(province)s") % {"province": province}
            if province
            else _("POS offices per founding step in the Netherlands")
        )
        return {
            "map_rows": rows,
            "map_svg": cached_draw(
                areas=[row.area() for row in rows],
                title=title,
                prefix="pos-map",
                zoom=bool(province),
            ),
            "map_legend": [
                (map_selectors.step_class(code), label) for code, label in StepCode.choices
            ]
            + [(map_selectors.NO_OFFICE, _("No office")), (map_selectors.STOPPED, _("Stopped"))],
        }

    @staticmethod
    def overdue_table(data: selectors.PosDashboard) -> list[tuple]:
        """Plain rows for the first ``OVERDUE_SHOWN`` overdue steps (the CSV has all)."""
        url = reverse("poskantoor:detail", args=[0]).replace("/0/", "/{}/")
        labels = dict(StepCode.choices)
        return [
            (
                url.format(row.office.pk),
                row.office.municipality.name,
                labels[row.step.code],
                row.step.due_date.strftime("%d-%m-%Y"),
                row.days_overdue,
            )
            for row in data.overdue[:OVERDUE_SHOWN]
        ]

    @staticmethod
    def office_table(data: selectors.PosDashboard) -> list[tuple]:
        """Plain rows for the 342-row table: text only (numbers as strings, so the template
        does not localise a thousand integers; translations looked up once), one reverse()
        and no attribute chains per row keep the template fast."""
        url = reverse("poskantoor:detail", args=[0]).replace("/0/", "/{}/")
        met, unknown, not_met = "✔ " + _("met"), "—", "✘ " + _("not met: %(missing)s")
        return [
            (
                url.format(row.office.pk),
                row.office.municipality.name,
                row.office.municipality.province,
                row.step_label,
                str(row.days_overdue or ""),
                str(row.core_entrepreneurs),
                str(row.network_entrepreneurs),
                unknown
                if row.guideline is None
                else met
                if row.guideline.met
                else not_met % {"missing": ", ".join(row.guideline.missing)},
                row.decision,
            )
            for row in data.offices
        ]


class PosDashboardCsvView(PosDashboardMixin, View):
    """One table of the dashboard, complete (every office, every overdue step); computes only
    that table's figures."""

    rate_limit = "export"

    def get(self, request, table: str):
        province = self.get_province()
        today = timezone.localdate()
        stamp = today.isoformat()
        if table == "funnel":
            return csv_response(
                f"pos-trechter-{stamp}.csv",
                [_("Step"), _("Offices in this step"), _("Offices that reached this step")],
                [
                    [row.label, row.current, row.reached]
                    for row in selectors.funnel(selectors.current_offices(province))
                ],
            )
        if table == "overdue":
            return csv_response(
                f"pos-achterstallig-{stamp}.csv",
                [_("Municipality"), _("Province"), _("Step"), _("Deadline"), _("Days overdue")],
                [
                    [
                        row.office.municipality.name,
                        row.office.municipality.province,
                        row.step.get_code_display(),
                        row.step.due_date.isoformat(),
                        row.days_overdue,
                    ]
                    for row in selectors.overdue_steps(province=province, today=today)
                ],
            )
        if table == "lead-times":
            return csv_response(
                f"pos-doorlooptijden-{stamp}.csv",
                [_("Step"), _("Completed (last 2 years)"), _("Median days"), _("Norm (days)")],
                [
                    [
                        row.label,
                        row.completed,
                        _days(row.median_days),
                        _days(row.norm_days),
                    ]
                    for row in selectors.lead_times(province=province, today=today)
                ],
            )
        if table == "map":
            return csv_response(
                f"pos-kaart-{stamp}.csv",
                [
                    _("CBS code"),
                    _("Municipality"),
                    _("Province"),
                    _("Office"),
                    _("Deadline passed"),
                ],
                [
                    [row.code, row.name, row.province, row.label, _("yes") if row.marked else ""]
                    for row in map_selectors.staff_map_rows(province=province, today=today)
                ],
            )
        if table == "offices":
            year = today.year
            statuses = {code: str(label) for code, label in OfficeStatus.choices}
            return csv_response(
                f"pos-kantoren-{stamp}.csv",
                [
                    _("Municipality"),
                    _("Province"),
                    _("Status"),
                    _("Current step"),
                    _("Days overdue"),
                    _("Entrepreneurs in the core group"),
                    _("Entrepreneurs in the registry"),
                    _("Guideline %(year)s") % {"year": year},
                    _("GO / NO-GO"),
                ],
                [
                    [
                        row.office.municipality.name,
                        row.office.municipality.province,
                        statuses[row.office.status],
                        row.step_label,
                        row.days_overdue,
                        row.core_entrepreneurs,
                        row.network_entrepreneurs,
                        selectors.guideline_label(row.guideline),
                        row.decision,
                    ]
                    for row in selectors.office_rows(province=province, year=year, today=today)
                ],
            )
        raise Http404
