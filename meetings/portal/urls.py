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
    path("loket/portaal/", views.DeskContactsView.as_view(), name="portal_desk_contacts"),
    path(
        "loket/portaal/<int:pk>/intrekken/",
        views.DeskRevokeView.as_view(),
        name="portal_desk_revoke",
    ),
]
