"""The providers' portal (included by meetings/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("portaal/", views.HomeView.as_view(), name="portal_home"),
    path("portaal/inloggen/", views.SignInRequestView.as_view(), name="portal_sign_in_request"),
    path("portaal/inloggen/verstuurd/", views.sign_in_sent, name="portal_sign_in_sent"),
    path("portaal/inloggen/<str:token>/", views.SignInView.as_view(), name="portal_sign_in"),
    path("portaal/uitloggen/", views.SignOutView.as_view(), name="portal_sign_out"),
    path(
        "portaal/hulpvragen/nieuw/", views.QuestionCreateView.as_view(), name="portal_question_new"
    ),
    path("portaal/hulpvragen/<int:pk>/", views.QuestionView.as_view(), name="portal_question"),
    path("portaal/nieuwsbrief/", views.DigestView.as_view(), name="portal_digest"),
    path("portaal/gegevens/", views.DataView.as_view(), name="portal_data"),
    path("portaal/gegevens/export/", views.ExportView.as_view(), name="portal_export"),
    path("portaal/collegas/", views.ColleaguesView.as_view(), name="portal_colleagues"),
    path("portaal/veiligheid/", views.SafetyView.as_view(), name="portal_safety"),
    path(
        "portaal/veiligheid/bewijs/<int:pk>/bestand/",
        views.EvidenceView.as_view(),
        name="portal_evidence",
    ),
    path(
        "portaal/veiligheid/<slug:basic>/",
        views.SafetyClaimView.as_view(),
        name="portal_safety_claim",
    ),
    path("portaal/regelingen/", views.SchemesView.as_view(), name="portal_schemes"),
    path("loket/portaal/", views.DeskContactsView.as_view(), name="portal_desk_contacts"),
    path("loket/portaal/bewijs/", views.DeskClaimsView.as_view(), name="portal_desk_claims"),
    path(
        "loket/portaal/bewijs/<int:pk>/",
        views.DeskClaimView.as_view(),
        name="portal_desk_claim",
    ),
    path(
        "loket/portaal/bewijs/<int:pk>/bevestigen/",
        views.DeskClaimConfirmView.as_view(),
        name="portal_desk_claim_confirm",
    ),
    path(
        "loket/portaal/bewijs/<int:pk>/bestand/",
        views.DeskEvidenceView.as_view(),
        name="portal_desk_evidence",
    ),
    path(
        "loket/portaal/<int:pk>/intrekken/",
        views.DeskRevokeView.as_view(),
        name="portal_desk_revoke",
    ),
]
