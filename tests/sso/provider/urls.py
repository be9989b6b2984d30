import os

from django.contrib.auth.views import LoginView
from django.http import HttpResponse
from django.urls import include, path


def impostor_jwks(request):
    """The public key of someone else under the provider's key id: a relying party that
    checks tokens against it sees a bad signature."""
    return HttpResponse(os.environ["IDP_IMPOSTOR_JWKS"], content_type="application/json")


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("impostor/jwks.json", impostor_jwks),
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
]
