"""A requester's data-subject rights (included by meetings/urls.py). Two path segments after
the question, so the question's one-segment action route does not catch them."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "loket/hulpvragen/<int:pk>/aanvrager/wissen/",
        views.RequesterEraseView.as_view(),
        name="requester_erase",
    ),
    path(
        "loket/hulpvragen/<int:pk>/aanvrager/persoonsgegevens/",
        views.RequesterExportView.as_view(),
        name="requester_export",
    ),
]
