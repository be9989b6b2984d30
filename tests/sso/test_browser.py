"""The whole redirect flow in Chromium: Sportloket's login page, the provider's login page
(a real OpenID Connect provider in its own process), and back, logged in."""

from __future__ import annotations

import re

import pytest
from django.test import override_settings

from sportloket.constants import Role
from sportloket.models import ClaimRoleMapping, Municipality

from .conftest import IDP_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mapping(db):
    return ClaimRoleMapping.objects.create(
        claim="groups",
        value="sportloket-beleid-utrecht",
        role=Role.POLICY_STAFF,
        municipality=Municipality.objects.order_by("pk").first(),
    )


def sign_in_at_provider(page, live_server, username: str) -> None:
    # On a loopback address: the provider accepts any port there (RFC 8252).
    base = live_server.url.replace("localhost", "127.0.0.1")
    page.goto(f"{base}/account/login/?next=/pos-kantoren/")
    page.get_by_role("link", name="Inloggen met Gemeente-account").click()
    page.wait_for_url(re.compile(r".*/login/\?next=/o/authorize/.*"))
    page.get_by_label("Account").fill(username)
    page.get_by_label("Geheim").fill(IDP_PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_municipal_staff_sign_in_with_the_provider_and_its_second_factor(
    page, live_server, sso, mapping
):
    sign_in_at_provider(page, live_server, "anna")
    page.wait_for_url("**/pos-kantoren/")
    assert page.get_by_role("heading", level=1).first.is_visible()
    page.goto(page.url)  # still logged in: the session holds
    assert page.url.endswith("/pos-kantoren/")


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_without_the_providers_second_factor_our_two_step_login_follows(
    page, live_server, sso, mapping
):
    sign_in_at_provider(page, live_server, "bram")
    page.wait_for_url("**/account/tweestaps/instellen/**")


def test_a_person_without_a_role_is_back_at_the_login_page_with_the_reason(
    page, live_server, sso, mapping
):
    sign_in_at_provider(page, live_server, "carla")
    page.wait_for_url("**/account/login/")
    assert page.get_by_text("geeft u geen rol in Sportloket").is_visible()


def test_the_login_page_with_both_ways_in_passes_axe(page, live_server, sso):
    from tests.hardening.test_accessibility import serious_violations

    page.goto(f"{live_server.url}/account/login/")
    assert page.get_by_role("link", name="Inloggen met Gemeente-account").is_visible()
    assert page.get_by_role("button", name="Inloggen").is_visible()
    assert serious_violations(page) == []
