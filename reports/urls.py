"""The reports keep the paths they had when they lived in meetings and poskantoor; users
bookmark those."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("loket/dashboard/", views.DeskDashboardView.as_view(), name="desk_dashboard"),
    path(
        "loket/dashboard/csv/<str:table>/",
        views.DeskDashboardCsvView.as_view(),
        name="desk_dashboard_csv",
    ),
    path("monitor/<int:year>/", views.MonitoringExportView.as_view(), name="monitoring_export"),
    path("dashboard/pos/", views.PosDashboardView.as_view(), name="pos_dashboard"),
    path(
        "dashboard/pos/csv/<str:table>/",
        views.PosDashboardCsvView.as_view(),
        name="pos_dashboard_csv",
    ),
]
