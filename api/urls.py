"""/api/v1/: the public lists, the staff API, the OpenAPI schema and its docs."""

from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny

from . import views

app_name = "api"


class SchemaView(SpectacularAPIView):
    public = True
    authentication_classes: list = []
    permission_classes = [AllowAny]


class DocsView(SpectacularSwaggerSplitView):
    public = True
    authentication_classes: list = []
    permission_classes = [AllowAny]


urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(url_name="api:schema"), name="docs"),
    path("public/desks/", views.PublicDeskList.as_view(), name="public_desks"),
    path("public/pos-offices/", views.PublicOfficeList.as_view(), name="public_offices"),
    path(
        "public/pos-offices/<slug:slug>/",
        views.PublicOfficeDetail.as_view(),
        name="public_office",
    ),
    path("public/schemes/", views.PublicSchemeList.as_view(), name="public_schemes"),
    path("questions/", views.QuestionList.as_view(), name="questions"),
    path("questions/<int:pk>/", views.QuestionDetail.as_view(), name="question"),
    path("questions/<int:pk>/status/", views.QuestionStatus.as_view(), name="question_status"),
    path(
        "questions/<int:pk>/handover/", views.QuestionHandover.as_view(), name="question_handover"
    ),
    path("providers/", views.ProviderList.as_view(), name="providers"),
    path("providers/<int:pk>/", views.ProviderDetail.as_view(), name="provider"),
    path(
        "providers/<int:pk>/eligibility/",
        views.ProviderEligibility.as_view(),
        name="provider_eligibility",
    ),
    path("pos-offices/", views.OfficeList.as_view(), name="offices"),
    path("pos-offices/<int:pk>/", views.OfficeDetail.as_view(), name="office"),
    path("monitoring/<int:year>/", views.Monitoring.as_view(), name="monitoring"),
    re_path(r"^", views.NotFound.as_view(), name="not_found"),
]
