from django.urls import path

from . import views

urlpatterns = [
    path("pos-lokaal/", views.NewsArchiveView.as_view(), name="news_archive"),
    path("pos-lokaal/nieuw/", views.NewsCreateView.as_view(), name="news_create"),
    path("pos-lokaal/aanmelden/", views.SubscribeView.as_view(), name="news_subscribe"),
    path(
        "pos-lokaal/aanmelden/verstuurd/",
        views.SubscribeSentView.as_view(),
        name="news_subscribe_sent",
    ),
    path(
        "pos-lokaal/aanmelden/<str:token>/",
        views.OptinConfirmView.as_view(),
        name="news_optin_confirm",
    ),
    path(
        "pos-lokaal/afmelden/<str:token>/",
        views.UnsubscribeView.as_view(),
        name="news_unsubscribe",
    ),
    path("pos-lokaal/<int:pk>/", views.NewsDetailView.as_view(), name="news_detail"),
    path("pos-lokaal/<int:pk>/bewerken/", views.NewsEditView.as_view(), name="news_edit"),
    path("pos-lokaal/<int:pk>/voorbeeld/", views.NewsPreviewView.as_view(), name="news_preview"),
    path("pos-lokaal/<int:pk>/versturen/", views.NewsSendView.as_view(), name="news_send"),
]
