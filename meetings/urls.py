"""The app's URLs: the three areas' routes under one ``meetings`` namespace. Support first,
then the programme, then privacy (its two path segments after a question are not caught by the
question's one-segment action route, which comes first)."""

from django.urls import include, path

app_name = "meetings"

urlpatterns = [
    path("", include("meetings.support.urls")),
    path("", include("meetings.programme.urls")),
    path("", include("meetings.privacy.urls")),
    path("", include("meetings.feeds.urls")),
    path("", include("meetings.portal.urls")),
]
