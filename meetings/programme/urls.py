from django.urls import path

from . import views

urlpatterns = [
    path("bijeenkomsten/", views.MeetingListView.as_view(), name="meeting_list"),
    path("bijeenkomsten/nieuw/", views.MeetingCreateView.as_view(), name="meeting_create_desk"),
    path(
        "pos-kantoren/<int:pk>/bijeenkomsten/nieuw/",
        views.MeetingCreateView.as_view(),
        name="meeting_create",
    ),
    path("pos-kantoren/<int:pk>/programma/", views.ProgrammeView.as_view(), name="programme"),
    path("bijeenkomsten/<int:pk>/", views.MeetingDetailView.as_view(), name="meeting_detail"),
    path("bijeenkomsten/<int:pk>/bewerken/", views.MeetingEditView.as_view(), name="meeting_edit"),
    path(
        "bijeenkomsten/<int:pk>/uitnodiging.ics", views.MeetingIcsView.as_view(), name="meeting_ics"
    ),
    path(
        "bijeenkomsten/<int:pk>/<slug:action>/",
        views.MeetingActionView.as_view(),
        name="meeting_action",
    ),
    path("afspraken/<int:pk>/afgerond/", views.AgreementDoneView.as_view(), name="agreement_done"),
]
