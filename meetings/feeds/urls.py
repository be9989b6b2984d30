from django.urls import path

from . import views

urlpatterns = [
    path("agenda/", views.MyFeedView.as_view(), name="calendar_feed_mine"),
    path("agenda/<str:token>.ics", views.CalendarFeedView.as_view(), name="calendar_feed"),
    path("loket/agenda/", views.DeskFeedView.as_view(), name="calendar_feed_desk"),
    path(
        "pos-kantoren/<int:pk>/agenda/",
        views.OfficeFeedView.as_view(),
        name="calendar_feed_office",
    ),
]
