"""Two-factor login (TOTP) for staff: enrolment with a QR code, verification on every login,
no staff page without it when SPORTLOKET_REQUIRE_2FA is on; off for development and demo."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from .test_permission_matrix import APP_ROUTES, MATRIX, PUBLIC
from .test_security import BASE_DIR
from .world import build_world

SETUP = "/account/tweestaps/instellen/"
VERIFY = "/account/tweestaps/"
PASSWORD = "geheim-wachtwoord-123"

pytestmark = pytest.mark.django_db


def code(device: TOTPDevice) -> str:
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:06d}"


def password_login(client, username: str):
    response = client.post("/account/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return response


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_first_login_enrols_an_app_then_every_login_asks_for_a_code(client, policy_staff):
    password_login(client, "beleid")
    response = client.get("/pos-kantoren/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in html  # QR drawn here, no external service
    device = TOTPDevice.objects.get(user=policy_staff, confirmed=False)
    assert "otpauth://" not in html  # the secret is in the image and the text, not a link

    wrong = client.post(SETUP, {"token": "000000", "next": "/pos-kantoren/"})
    assert wrong.status_code == 400
    assert "niet juist" in wrong.content.decode()
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post(SETUP, {"token": code(device), "next": "/pos-kantoren/"})
    assert done.status_code == 302
    assert done["Location"] == "/pos-kantoren/"
    assert client.get("/pos-kantoren/").status_code == 200

    # Next login: password alone is not enough.
    client.post("/account/logout/")
    password_login(client, "beleid")
    response = client.get("/pos-kantoren/")
    assert response["Location"].startswith(VERIFY)
    assert client.get(SETUP).status_code == 302  # no second enrolment once confirmed
    assert client.post(VERIFY, {"token": "12ab56"}).status_code == 400
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    device.save()  # last_t reset: a code may be used once only, and we are in the same step
    ok = client.post(VERIFY, {"token": code(device), "next": "/pos-kantoren/"})
    assert ok.status_code == 302, ok.content.decode()[:500]
    assert client.get("/pos-kantoren/").status_code == 200


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_no_staff_page_opens_without_the_second_factor(client):
    """Generated from the permission matrix: every page a role may open redirects an
    unverified user of that role to enrolment; the public pages stay open."""
    world = build_world()
    client.force_login(world.users["club_supporter"])
    failures = []
    for route in APP_ROUTES:
        rule = MATRIX[route]
        if rule.method != "get" or route.startswith("account/tweestaps"):
            continue
        response = client.get(world.url(route))
        if rule.roles == PUBLIC:
            continue
        if response.status_code != 302 or not response["Location"].startswith(SETUP):
            failures.append(f"{route}: {response.status_code}")
    admin = client.get("/beheer/")
    if admin.status_code != 302 or not admin["Location"].startswith(SETUP):
        failures.append(f"beheer/: {admin.status_code}")
    assert not failures, failures


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_the_next_parameter_cannot_leave_the_site(client, policy_staff):
    client.force_login(policy_staff)
    device = TOTPDevice.objects.create(user=policy_staff, name="app", confirmed=True)
    response = client.post(VERIFY, {"token": code(device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_off_in_development_and_tests(client, policy_staff):
    client.force_login(policy_staff)
    assert client.get("/pos-kantoren/").status_code == 200


def _production_setting(extra_env: dict) -> str:
    env = {
        **{k: v for k, v in os.environ.items() if k != "SPORTLOKET_REQUIRE_2FA"},
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.production",
        "DJANGO_SECRET_KEY": "k9#Qz2!vT8@wL5$eR1^yU7&iO3*pA6(sD4)fG0_hJ-kZ+xC=vB",
        "DJANGO_ALLOWED_HOSTS": "sportloket.example.nl",
        **extra_env,
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SPORTLOKET_REQUIRE_2FA)",
        ],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip()


def test_required_in_production_unless_switched_off_for_a_demo():
    assert _production_setting({}) == "True"
    assert _production_setting({"SPORTLOKET_REQUIRE_2FA": "false"}) == "False"
