from django.urls import include, path

from . import views

app_name = "network"

urlpatterns = [
    path("loket/<int:pk>/kwaliteit/", views.DeskQualityView.as_view(), name="quality"),
    path("loket/<int:pk>/kwaliteit/afvinken/", views.TickView.as_view(), name="tick"),
    path("loket/<int:pk>/netwerk/", views.DeskNetworkView.as_view(), name="network"),
    path("loketten/", views.DeskComparisonView.as_view(), name="comparison"),
    path("signalen/", views.SignalsView.as_view(), name="signals"),
    path("buurtsportcoaches/", views.CoachListView.as_view(), name="coach_list"),
    path("buurtsportcoaches/<int:pk>/", views.CoachDetailView.as_view(), name="coach_detail"),
    path("", include("network.news.urls")),
]
