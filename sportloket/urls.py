from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from . import health, views
from .accounts.oidc import SignInView
from .forms import OutboxPasswordResetForm
from .ratelimit import rate_limited

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("health/", include(health)),
    path("privacy/", views.PrivacyView.as_view(), name="privacy"),
    path("account/login/", rate_limited("login")(SignInView.as_view()), name="login"),
    path(
        "account/password_reset/",
        rate_limited("public_form")(
            auth_views.PasswordResetView.as_view(form_class=OutboxPasswordResetForm)
        ),
        name="password_reset",
    ),
    path("", include("sportloket.accounts.urls")),
    path("account/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # Bookmarks of the coaches' admin pages from before the models moved to the network app;
    # behind the admin's own login like the pages they lead to.
    path(
        "beheer/",
        include(
            [
                re_path(
                    r"^sportloket/neighbourhoodsportcoach/(?P<rest>.*)$",
                    admin.site.admin_view(
                        RedirectView.as_view(
                            url="/beheer/network/neighbourhoodsportcoach/%(rest)s",
                            permanent=True,
                            query_string=True,
                        )
                    ),
                )
            ]
        ),
    ),
    path("beheer/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("providers.urls")),
    path("", include("poskantoor.urls")),
    path("", include("meetings.urls")),
    path("", include("network.urls")),
    path("", include("subsidies.urls")),
    path("", include("reports.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
