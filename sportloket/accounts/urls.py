"""Two-step login under /account/tweestaps/, sign-in through the identity provider under
/account/sso/. The URL names carry no namespace: the gate
(``constants.OPEN_URL_NAMES``) and the rate limits know them by these names."""

from django.urls import path

from . import oidc, views

urlpatterns = [
    # Sign-in through the municipality's identity provider; the callback address is the one
    # registered at the provider (docs/single-sign-on.md).
    path("account/sso/", oidc.IdentityProviderStartView.as_view(), name="oidc_start"),
    path("account/sso/terug/", oidc.IdentityProviderCallbackView.as_view(), name="oidc_callback"),
    path(
        "account/sessie-verlengen/", views.SessionKeepAliveView.as_view(), name="session_keepalive"
    ),
    path("account/tweestaps/instellen/", views.SetupView.as_view(), name="otp_setup"),
    path("account/tweestaps/", views.VerifyView.as_view(), name="otp_verify"),
    path("account/tweestaps/nieuwe-app/", views.ReplaceAppView.as_view(), name="otp_replace"),
    path(
        "account/tweestaps/herstelcodes/",
        views.RecoveryCodesView.as_view(),
        name="otp_recovery_codes",
    ),
]
