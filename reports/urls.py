"""The reports keep the paths they had when they lived in meetings and poskantoor; users
bookmark those."""

from django.urls import path

from . import views
from .public import views as public_views

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
    # Public: the map first, so that "kaart" is never read as a municipality.
    path("pos-kantoren/kaart/", public_views.PublicMapView.as_view(), name="public_map"),
    path(
        "pos-kantoren/<slug:slug>/", public_views.PublicOfficeView.as_view(), name="public_office"
    ),
    path(
        "pos-kantoren/<slug:slug>/embed/",
        public_views.PublicOfficeEmbedView.as_view(),
        name="public_office_embed",
    ),
    path(
        "pos-kantoren/<slug:slug>/bijeenkomsten/<int:meeting_pk>.ics",
        public_views.PublicMeetingIcsView.as_view(),
        name="public_meeting_ics",
    ),
]
