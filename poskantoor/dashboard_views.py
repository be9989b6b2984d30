"""The POS national dashboard (POS staff and administrators) and its CSV exports."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from sportloket.constants import Role
from sportloket.models import Municipality
from sportloket.permissions import RoleRequiredMixin

from . import dashboard
from .charts import bar_chart


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

    def get_dashboard(self) -> dashboard.PosDashboard:
        provinces = self.provinces()
        province = self.request.GET.get("province", "")
        if province not in provinces:
            province = ""
        return dashboard.pos_dashboard(province=province)

    @staticmethod
    def provinces() -> list[str]:
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
            provinces=self.provinces(),
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
            query=f"?province={data.province}" if data.province else "",
            office_table=self.office_table(data),
        )
        return context

    @staticmethod
    def office_table(data: dashboard.PosDashboard) -> list[tuple]:
        """Plain rows for the 342-row table: one reverse() and no attribute chains per row
        keep the template fast."""
        url = reverse("poskantoor:detail", args=[0]).replace("/0/", "/{}/")
        met, unknown = "✔ " + _("met"), "—"
        return [
            (
                url.format(row.office.pk),
                row.office.municipality.name,
                row.office.municipality.province,
                row.step_label,
                row.days_overdue or "",
                row.core_entrepreneurs,
                row.network_entrepreneurs,
                unknown
                if row.guideline is None
                else met
                if row.guideline.met
                else "✘ " + dashboard.guideline_label(row.guideline),
            )
            for row in data.offices
        ]


class PosDashboardCsvView(PosDashboardMixin, View):
    def get(self, request, table: str):
        data = self.get_dashboard()
        stamp = timezone.localdate().isoformat()
        if table == "funnel":
            return csv_response(
                f"pos-trechter-{stamp}.csv",
                [_("Step"), _("Offices in this step"), _("Offices that reached this step")],
                [[row.label, row.current, row.reached] for row in data.funnel],
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
                    for row in data.overdue
                ],
            )
        if table == "lead-times":
            return csv_response(
                f"pos-doorlooptijden-{stamp}.csv",
                [_("Step"), _("Completed (last 2 years)"), _("Median days"), _("Norm (days)")],
                [
                    [row.label, row.completed, row.median_days or "", row.norm_days or ""]
                    for row in data.lead_times
                ],
            )
        if table == "offices":
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
                    _("Guideline %(year)s") % {"year": data.year},
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
                    for row in data.offices
                ],
            )
        raise Http404
