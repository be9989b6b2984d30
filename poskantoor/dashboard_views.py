"""The POS national dashboard (POS staff and administrators) and its CSV exports."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sportloket.constants import Role
from sportloket.models import Municipality
from sportloket.permissions import RoleRequiredMixin

from . import dashboard
from .charts import bar_chart
from .constants import StepCode

OVERDUE_SHOWN = 50


def csv_response(filename: str, header: list[str], rows: list[list]) -> HttpResponse:
    """A ``;``-separated CSV (Dutch Excel) with formula injection neutralised (defusedcsv)."""
    from defusedcsv import csv

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerow(header)
    writer.writerows(rows)
    return response


class PosDashboardMixin(RoleRequiredMixin):
    allowed_roles = (Role.POS_STAFF,)

    def get_province(self) -> str:
        """The ``?province=`` filter; an unknown province is ignored rather than an error."""
        province = self.request.GET.get("province", "")
        return province if province in self.provinces else ""

    def get_dashboard(self) -> dashboard.PosDashboard:
        return dashboard.pos_dashboard(province=self.get_province())

    @cached_property
    def provinces(self) -> list[str]:
        return sorted(
            Municipality.objects.filter(active=True)
            .order_by()
            .values_list("province", flat=True)
            .distinct()
        )


class PosDashboardView(PosDashboardMixin, TemplateView):
    template_name = "poskantoor/dashboard.html"

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
                    % {"median": f"{row.median_days:g}", "norm": f"{row.norm_days or 0:g}"}
                    for row in lead
                ],
                markers=[row.norm_days for row in lead],
            ),
            query=f"?{urlencode({'province': data.province})}" if data.province else "",
            office_table=self.office_table(data),
            overdue_table=self.overdue_table(data),
            overdue_shown=OVERDUE_SHOWN,
        )
        return context

    @staticmethod
    def overdue_table(data: dashboard.PosDashboard) -> list[tuple]:
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
    def office_table(data: dashboard.PosDashboard) -> list[tuple]:
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
            )
            for row in data.offices
        ]


class PosDashboardCsvView(PosDashboardMixin, View):
    """One table of the dashboard, complete (every office, every overdue step); computes only
    that table's figures."""

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
                    for row in dashboard.funnel(dashboard.current_offices(province))
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
                    for row in dashboard.overdue_steps(province=province, today=today)
                ],
            )
        if table == "lead-times":
            return csv_response(
                f"pos-doorlooptijden-{stamp}.csv",
                [_("Step"), _("Completed (last 2 years)"), _("Median days"), _("Norm (days)")],
                [
                    [row.label, row.completed, row.median_days or "", row.norm_days or ""]
                    for row in dashboard.lead_times(province=province, today=today)
                ],
            )
        if table == "offices":
            year = today.year
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
                ],
                [
                    [
                        row.office.municipality.name,
                        row.office.municipality.province,
                        row.office.get_status_display(),
                        row.step_label,
                        row.days_overdue,
                        row.core_entrepreneurs,
                        row.network_entrepreneurs,
                        dashboard.guideline_label(row.guideline),
                    ]
                    for row in dashboard.office_rows(province=province, year=year, today=today)
                ],
            )
        raise Http404
