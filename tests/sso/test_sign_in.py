"""Sign-in through the municipality's identity provider (OpenID Connect) against a real
provider (tests/sso/provider, django-oauth-toolkit) in its own process: the redirect flow with
the Django test client as Sportloket's browser and ``requests`` as the person's browser at the
provider; accounts created or linked, roles from the administrator's claim mappings, two-step
login skipped only when the provider asserts a second factor, and every refused callback."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from sportloket.constants import Role
from sportloket.models import (
    ClaimRoleMapping,
    IdentityProviderLink,
    IdentityProviderMfaDevice,
    Municipality,
    StaffProfile,
)
from tests.factories import StaffProfileFactory

from .conftest import IDP_PASSWORD

pytestmark = pytest.mark.django_db
User = get_user_model()
START = "/account/sso/?next=/pos-kantoren/"
NO_ROLE = "geeft u geen rol in Sportloket"


@pytest.fixture
def utrecht(db):
    return Municipality.objects.order_by("pk").first()


@pytest.fixture
def policy_mapping(utrecht):
    return ClaimRoleMapping.objects.create(
        claim="groups",
        value="sportloket-beleid-utrecht",
        role=Role.POLICY_STAFF,
        municipality=utrecht,
    )


def at_provider(client, idp, username: str, *, password: str = IDP_PASSWORD) -> str:
    """Start the login at Sportloket, log in at the provider as ``username``, and return the
    address the provider sends the browser back to (Sportloket's callback, not yet opened)."""
    start = client.get(START)
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{idp.issuer}/authorize/?")
    assert "code_challenge=" in authorize  # PKCE
    assert "nonce=" in authorize
    person = requests.Session()
    login_page = person.get(authorize, timeout=30)
    assert login_page.status_code == 200, login_page.text
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
    next_url = re.search(r'name="next" value="([^"]*)"', login_page.text)[1].replace("&amp;", "&")
    answer = person.post(
        login_page.url,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": token,
            "next": next_url,
        },
        headers={"Referer": login_page.url},
        allow_redirects=False,
        timeout=30,
    )
    while answer.status_code == 302 and not answer.headers["Location"].startswith(
        "http://testserver"
    ):
        answer = person.get(
            urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=30
        )
    assert answer.status_code == 302, answer.text
    callback = urlsplit(answer.headers["Location"])
    assert callback.path == "/account/sso/terug/"
    return f"{callback.path}?{callback.query}"


def refusal(response) -> str:
    assert response.status_code == 302
    assert response["Location"] == "/account/login/"
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


def test_without_a_provider_the_login_page_offers_the_password_only(client):
    assert client.get("/account/sso/").status_code == 404
    assert client.get("/account/sso/terug/?code=x&state=y").status_code == 404
    page = client.get("/account/login/").content.decode()
    assert "Inloggen met" not in page
    assert 'name="password"' in page


def test_the_login_page_offers_both_the_provider_and_the_password(client, sso):
    page = client.get("/account/login/?next=/pos-kantoren/").content.decode()
    assert "Inloggen met Gemeente-account" in page
    assert 'href="/account/sso/?next=/pos-kantoren/"' in page
    assert 'name="password"' in page  # partners without a provider keep the password


def test_first_login_creates_the_account_with_the_role_of_the_claim(client, sso, policy_mapping):
    callback = at_provider(client, sso, "bram")
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/pos-kantoren/"
    user = User.objects.get(email="bram.visser@utrecht.example")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert (user.first_name, user.last_name) == ("Bram", "Visser")
    assert not user.has_usable_password()
    profile = user.staff_profile
    assert profile.role == Role.POLICY_STAFF
    assert profile.municipality == policy_mapping.municipality
    link = IdentityProviderLink.objects.get(user=user)
    assert (link.issuer, link.managed) == (sso.issuer, True)
    assert client.get("/pos-kantoren/").status_code == 200

    # The next login opens the same account.
    client.post("/account/logout/")
    client.get(at_provider(client, sso, "bram"))
    assert User.objects.filter(email__iexact="bram.visser@utrecht.example").count() == 1
    assert int(client.session["_auth_user_id"]) == user.pk


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_a_provider_that_asserts_a_second_factor_is_not_asked_again(client, sso, policy_mapping):
    client.get(at_provider(client, sso, "anna"))
    assert client.get("/pos-kantoren/").status_code == 200
    user = User.objects.get(email="anna.jansen@utrecht.example")
    assert IdentityProviderMfaDevice.objects.filter(user=user).count() == 1
    assert not TOTPDevice.objects.filter(user=user).exists()


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_without_a_second_factor_at_the_provider_our_two_step_login_applies(
    client, sso, policy_mapping
):
    client.get(at_provider(client, sso, "bram"))
    response = client.get("/pos-kantoren/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/tweestaps/instellen/")


@override_settings(SPORTLOKET_REQUIRE_2FA=True, SPORTLOKET_OIDC_TRUST_MFA=False)
def test_trusting_the_providers_second_factor_can_be_switched_off(client, sso, policy_mapping):
    client.get(at_provider(client, sso, "anna"))
    response = client.get("/pos-kantoren/")
    assert response["Location"].startswith("/account/tweestaps/instellen/")


@override_settings(SPORTLOKET_REQUIRE_2FA=True, SPORTLOKET_OIDC_MFA_AMR=["hwk"])
def test_only_the_configured_amr_values_count_as_a_second_factor(client, sso, policy_mapping):
    client.get(at_provider(client, sso, "anna"))  # says mfa, otp, pwd: none of them is hwk
    assert client.get("/pos-kantoren/")["Location"].startswith("/account/tweestaps/instellen/")


def test_an_existing_account_is_linked_by_its_e_mail_address(client, sso):
    """A club supporter with a local account: the same e-mail address (other capitals) at the
    provider opens that account, with its own role; no mapping is needed."""
    profile = StaffProfileFactory(club_supporter=True, user__email="dirk.bos@utrecht.example")
    users_before = User.objects.count()
    client.get(at_provider(client, sso, "dirk"))
    assert int(client.session["_auth_user_id"]) == profile.user.pk
    assert User.objects.count() == users_before
    link = IdentityProviderLink.objects.get(user=profile.user)
    assert not link.managed
    profile.refresh_from_db()
    assert profile.role == Role.CLUB_SUPPORTER


def test_a_claim_that_maps_to_no_role_makes_no_account(client, sso, policy_mapping):
    users_before, profiles_before = User.objects.count(), StaffProfile.objects.count()
    message = refusal(client.get(at_provider(client, sso, "carla")))
    assert NO_ROLE in message
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email__iexact="carla.smit@utrecht.example").exists()
    assert (User.objects.count(), StaffProfile.objects.count()) == (users_before, profiles_before)
    assert not IdentityProviderLink.objects.exists()


def test_an_account_made_by_the_provider_loses_access_with_its_mapping(client, sso, policy_mapping):
    client.get(at_provider(client, sso, "bram"))
    client.post("/account/logout/")
    policy_mapping.delete()
    message = refusal(client.get(at_provider(client, sso, "bram")))
    assert NO_ROLE in message
    assert "_auth_user_id" not in client.session


def test_an_e_mail_address_of_two_accounts_is_not_guessed(client, sso, policy_mapping):
    StaffProfileFactory(policy_staff=True, user__email="bram.visser@utrecht.example")
    StaffProfileFactory(policy_staff=True, user__email="Bram.Visser@utrecht.example")
    message = refusal(client.get(at_provider(client, sso, "bram")))
    assert "Meer dan één Sportloket-account" in message
    assert not IdentityProviderLink.objects.exists()


def test_a_wrong_password_at_the_provider_never_reaches_sportloket(client, sso, policy_mapping):
    start = client.get(START)
    person = requests.Session()
    login_page = person.get(start["Location"], timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)[1]
    answer = person.post(
        login_page.url,
        data={"username": "bram", "password": "fout", "csrfmiddlewaretoken": token},
        headers={"Referer": login_page.url},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 200  # the provider shows its form again
    assert "Onjuiste gebruikersnaam" in answer.text
    assert not User.objects.filter(email__iexact="bram.visser@utrecht.example").exists()


def test_a_forged_state_is_refused(client, sso, policy_mapping):
    callback = at_provider(client, sso, "bram")
    forged = re.sub(r"state=[^&]+", "state=forged-state", callback)
    message = refusal(client.get(forged))
    assert "Inloggen met Gemeente-account is niet gelukt" in message
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email__iexact="bram.visser@utrecht.example").exists()


def test_a_callback_from_another_browser_is_refused(client, sso, policy_mapping):
    """A code and state taken to a browser that never started this login (login CSRF)."""
    from django.test import Client

    callback = at_provider(client, sso, "bram")
    other = Client()
    message = refusal(other.get(callback))
    assert "niet gelukt" in message
    assert "_auth_user_id" not in other.session


def test_a_callback_is_used_once(client, sso, policy_mapping):
    callback = at_provider(client, sso, "bram")
    assert client.get(callback)["Location"] == "/pos-kantoren/"
    client.post("/account/logout/")
    refusal(client.get(callback))
    assert "_auth_user_id" not in client.session


def test_a_token_with_a_bad_signature_is_refused(client, sso, policy_mapping):
    """Checked against another key under the provider's key id: the signature does not hold."""
    with override_settings(OIDC_OP_JWKS_ENDPOINT=f"{sso.url}/impostor/jwks.json"):
        message = refusal(client.get(at_provider(client, sso, "bram")))
    assert "niet gelukt" in message
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(email__iexact="bram.visser@utrecht.example").exists()


def test_a_token_of_another_issuer_is_refused(client, sso, policy_mapping):
    with override_settings(SPORTLOKET_OIDC_ISSUER="https://login.other-municipality.example"):
        refusal(client.get(at_provider(client, sso, "bram")))
    assert "_auth_user_id" not in client.session


def test_a_token_for_another_client_is_refused(client, sso, policy_mapping):
    """The provider's token endpoint knows the client; the audience check is Sportloket's own
    (the library skips it): with another client id configured, the token exchange itself is
    refused by the provider, and nobody is logged in."""
    callback = at_provider(client, sso, "bram")
    with override_settings(OIDC_RP_CLIENT_ID="someone-else"):
        refusal(client.get(callback))
    assert "_auth_user_id" not in client.session


def test_a_login_cancelled_at_the_provider_says_so(client, sso):
    start = client.get(START)
    state = re.search(r"state=([^&]+)", start["Location"])[1]
    message = refusal(client.get(f"/account/sso/terug/?error=access_denied&state={state}"))
    assert "geannuleerd" in message


def test_refused_sign_ins_do_not_lock_a_town_hall_out(client, sso, policy_mapping):
    """Refusals through the provider are no password guesses: after more of them than the
    password lockout allows (AXES_FAILURE_LIMIT), a colleague behind the same address still
    signs in."""
    from django.conf import settings
    from django.test import Client

    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        refusal(client.get(at_provider(client, sso, "carla")))
    colleague = Client()
    assert colleague.get(at_provider(colleague, sso, "bram"))["Location"] == "/pos-kantoren/"
    assert "_auth_user_id" in colleague.session


def test_the_provider_s_start_and_return_count_in_the_login_limit_per_address(client, sso):
    """A flood of sign-ins through the provider is a flood of logins: its start and its
    callback count in the same per-address bucket as the password form, and the refusal is
    the login's 429 page with Retry-After."""
    from django.test import Client

    with override_settings(SPORTLOKET_LOGIN_RATE=3):
        assert client.get(START).status_code == 302
        assert client.get("/account/sso/terug/?state=forged&code=x").status_code == 302
        assert client.post("/account/login/", {"username": "x", "password": "y"}).status_code == 200
        refused = client.get(START)
        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        assert "inlogpogingen" in refused.content.decode()
        assert client.get("/account/sso/terug/?state=forged&code=x").status_code == 429
        # Another address is not affected.
        elsewhere = Client(REMOTE_ADDR="192.0.2.77")
        assert elsewhere.get(START).status_code == 302


def test_a_successful_sign_in_through_the_provider_counts_in_the_login_limit(
    client, sso, policy_mapping, monkeypatch
):
    """The callback counts whatever it answers: a sign-in that succeeds uses the address's
    login budget as a refused one does, so a flood of real sign-ins is a flood too."""
    from types import SimpleNamespace

    from django.test import Client

    from sportloket import ratelimit

    # One window for the whole test (the count starts again at a window's end).
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 1_800_000_000.0))
    with override_settings(SPORTLOKET_LOGIN_RATE=2):
        callback = at_provider(client, sso, "bram")  # the start: one
        signed_in = client.get(callback)  # the callback: two, the last one allowed
        assert signed_in["Location"] == "/pos-kantoren/"
        assert "_auth_user_id" in client.session
        colleague = Client()  # the same address, no session
        refused = colleague.get(START)
        assert refused.status_code == 429
        assert "inlogpogingen" in refused.content.decode()
