from django.urls import path

from . import views

urlpatterns = [
    path("hulpvraag/", views.PublicQuestionView.as_view(), name="public_question"),
    path("hulpvraag/verzonden/", views.public_thanks, name="public_thanks"),
    path("hulpvraag/volg/<slug:token>/", views.PublicFollowView.as_view(), name="public_follow"),
    path("loket/hulpvragen/", views.BoardView.as_view(), name="board"),
    path("loket/hulpvragen/bulk/", views.BulkView.as_view(), name="bulk"),
    path("loket/hulpvragen/nieuw/", views.RequestCreateView.as_view(), name="request_create"),
    path("loket/hulpvragen/<int:pk>/", views.RequestDetailView.as_view(), name="request_detail"),
    # Before the generic action route, which would otherwise take "budget" as an action.
    path(
        "loket/hulpvragen/<int:pk>/budget/",
        views.RequestAllocateView.as_view(),
        name="request_allocate",
    ),
    path(
        "loket/hulpvragen/<int:pk>/<slug:action>/",
        views.RequestActionView.as_view(),
        name="request_action",
    ),
    path("loket/overdrachten/", views.HandoverQueueView.as_view(), name="handover_queue"),
    path(
        "loket/overdrachten/<int:pk>/accepteren/",
        views.HandoverAnswerView.as_view(),
        {"answer": "accept"},
        name="handover_accept",
    ),
    path(
        "loket/overdrachten/<int:pk>/weigeren/",
        views.HandoverAnswerView.as_view(),
        {"answer": "decline"},
        name="handover_decline",
    ),
    path(
        "loket/dagoverzicht/",
        views.DeskOverviewSettingsView.as_view(),
        name="desk_overview_settings",
    ),
    path(
        "loket/overdrachten/<int:pk>/uitkomst/",
        views.HandoverAnswerView.as_view(),
        {"answer": "outcome"},
        name="handover_outcome",
    ),
    path("loket/contactmomenten/", views.ContactMomentsView.as_view(), name="contact_moments"),
]
