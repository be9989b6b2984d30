from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    """The floor: a view that does nothing, measured through the same stack as ours."""
    return HttpResponse("ok")


urlpatterns = [
    path("bench/trivial/", trivial, name="bench-trivial"),
    path("", include("sportloket.urls")),
]
