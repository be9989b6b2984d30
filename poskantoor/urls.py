from django.urls import path

from . import views
from .decisions import views as decision_views

app_name = "poskantoor"

urlpatterns = [
    path("pos-kantoor/aanmelden/", views.InterestView.as_view(), name="interest"),
    path(
        "pos-kantoor/aanmelden/verstuurd/", views.InterestSentView.as_view(), name="interest_sent"
    ),
    path(
        "pos-kantoor/aanmelden/bevestigen/<str:token>/",
        views.InterestConfirmView.as_view(),
        name="interest_confirm",
    ),
    path("pos-kantoren/", views.OfficeListView.as_view(), name="list"),
    path("pos-kantoren/<int:pk>/", views.OfficeDetailView.as_view(), name="detail"),
    path(
        "pos-kantoren/<int:pk>/procesversie/",
        views.OfficeVersionView.as_view(),
        name="office_version",
    ),
    path(
        "pos-kantoren/<int:pk>/stap/<int:step_pk>/afronden/",
        views.StepCompleteView.as_view(),
        name="step_complete",
    ),
    path(
        "pos-kantoren/<int:pk>/besluit/",
        decision_views.DecisionProposeView.as_view(),
        name="decision_propose",
    ),
    path(
        "pos-kantoren/<int:pk>/besluit/<int:proposal_pk>/bevestigen/",
        decision_views.DecisionConfirmView.as_view(),
        name="decision_confirm",
    ),
    path(
        "pos-kantoren/<int:pk>/besluit/<int:proposal_pk>/bezwaar/",
        decision_views.DecisionObjectView.as_view(),
        name="decision_object",
    ),
    path(
        "pos-kantoren/<int:pk>/ondernemers-in-kaart/",
        decision_views.MappingStateView.as_view(),
        name="mapping_state",
    ),
    path(
        "pos-kantoren/<int:pk>/openbaar/",
        views.OfficePublicFaceView.as_view(),
        name="public_face",
    ),
    path(
        "pos-kantoren/<int:pk>/startsessie/",
        views.StartSessionView.as_view(),
        name="start_session",
    ),
    path(
        "pos-kantoren/<int:pk>/kerngroep/nieuw/",
        views.CoreMemberAddView.as_view(),
        name="member_add",
    ),
    path(
        "pos-kantoren/<int:pk>/kerngroep/<int:member_pk>/verwijderen/",
        views.CoreMemberRemoveView.as_view(),
        name="member_remove",
    ),
    path(
        "pos-kantoren/<int:pk>/jaarplan/<int:year>/",
        views.YearPlanView.as_view(),
        name="year_plan",
    ),
    path(
        "pos-kantoren/<int:pk>/jaarplan/<int:year>/pdf/",
        views.YearPlanPdfView.as_view(),
        name="year_plan_pdf",
    ),
    path(
        "pos-kantoren/<int:pk>/jaarplan/<int:year>/pdf-status/",
        views.YearPlanPdfStatusView.as_view(),
        name="year_plan_pdf_status",
    ),
]
