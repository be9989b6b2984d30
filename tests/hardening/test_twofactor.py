"""Two-factor login (TOTP) for staff: enrolment with a QR code, verification on every login,
no staff page without it when SPORTLOKET_REQUIRE_2FA is on; off for development and demo.
Recovery codes: made at enrolment, shown once, stored hashed, each usable once instead of an app
code, counted by the same throttle and rate limit, renewed only with a current app code; an
administrator resets a person's second factor, audited."""

from __future__ import annotations

import base64
import datetime as dt
import importlib
import os
import re
import subprocess
import sys
from unittest import mock
from urllib.parse import unquote

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from sportloket.accounts.services import (
    PendingApp,
    second_factor_check,
    two_factor_enrol,
    two_factor_replace,
)
from sportloket.models import AuditEvent, RecoveryCode, RecoveryCodeDevice
from sportloket.services import DomainError
from tests.concurrency import run_at_once
from tests.factories import StaffProfileFactory

from .test_accessibility import serious_violations, watch_console
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


def shown_key(response) -> bytes:
    """The secret a setup page shows in text (for people who cannot scan)."""
    secret = re.search(r'<code class="otp-secret">([A-Z2-7 ]+)</code>', response.content.decode())
    assert secret, "no key on the page"
    return base64.b32decode(secret[1].replace(" ", ""))


def key_code(key: bytes) -> str:
    return f"{totp(key):06d}"


def unthrottle_session(client) -> None:
    """Forget the session's wrong codes for the app being set up (its throttle lives there)."""
    session = client.session
    session[PendingApp.SESSION_KEY].update(failures=0, failed_at=None)
    session.save()


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
    key = shown_key(page)
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()  # in the session only
    assert "otpauth://" not in html  # the secret is in the image and the text, not a link

    wrong = client.post(SETUP, {"token": "000000", "next": "/pos-kantoren/"})
    assert wrong.status_code == 400
    assert "niet juist" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()

    unthrottle_session(client)
    done = client.post(SETUP, {"token": key_code(key), "next": "/pos-kantoren/"})
    # Confirming shows the recovery codes once, with the way on to where the user was going.
    assert done.status_code == 200
    assert 'href="/pos-kantoren/"' in done.content.decode()
    assert client.get("/pos-kantoren/").status_code == 200
    device = TOTPDevice.objects.get(user=policy_staff)
    assert device.confirmed
    assert device.bin_key == key
    assert PendingApp.SESSION_KEY not in client.session  # the secret left the session

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
        "DJANGO_EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.nl:587",
        "DJANGO_DEFAULT_FROM_EMAIL": "Sportloket <noreply@sportloket.example.nl>",
        "SPORTLOKET_SITE_URL": "https://sportloket.example.nl",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
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
    return result.stdout.strip().splitlines()[-1]  # after the JSON log lines on stdout


def test_required_in_production_unless_switched_off_for_a_demo():
    assert _production_setting({}) == "True"
    assert _production_setting({"SPORTLOKET_REQUIRE_2FA": "false"}) == "False"


# --- Recovery codes ----------------------------------------------------------------------------

RECOVERY_PAGE = "/account/tweestaps/herstelcodes/"
CODE_SHAPE = re.compile(r"\b[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}\b")


def fresh_code(device: TOTPDevice) -> str:
    """The app's current code, usable again: django-otp refuses a code of a time step it has
    already accepted, and the tests run within one step."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)
    device.refresh_from_db()
    return code(device)


def enrol(user) -> tuple[TOTPDevice, list[str]]:
    session: dict = {}
    pending = PendingApp.of(session, user, create=True)
    return two_factor_enrol(session=session, user=user, token=code(pending.device(user)))


def codes_in(html: str) -> list[str]:
    return CODE_SHAPE.findall(html)


def verify_recovery(client, recovery_code: str, next_url: str = "/"):
    return client.post(VERIFY, {"recovery-code": recovery_code, "next": next_url})


def unthrottle(user) -> None:
    for model in (TOTPDevice, RecoveryCodeDevice):
        model.objects.filter(user=user).update(
            throttling_failure_count=0, throttling_failure_timestamp=None
        )


def assert_no_code_in_the_audit_trail(codes: list[str]) -> None:
    values = [code.replace("-", "") for code in codes] + codes
    for event in AuditEvent.objects.all():
        text = f"{event.summary} {event.changes}"
        assert not any(value in text for value in values), text


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_enrolment_shows_ten_codes_once_and_stores_only_keyed_hashes(client, policy_staff):
    client.force_login(policy_staff)
    key = shown_key(client.get(SETUP))
    page = client.post(SETUP, {"token": key_code(key), "next": "/pos-kantoren/"})
    html = page.content.decode()
    shown = codes_in(html.split("data:text/plain")[0])
    assert page.status_code == 200
    assert len(shown) == 10 == len(set(shown))
    assert "no-store" in page["Cache-Control"]
    # The download carries the same codes; it is a data: link, so they never travel again.
    download = unquote(re.search(r'href="data:text/plain;charset=utf-8,([^"]+)"', html)[1])
    assert codes_in(download) == shown
    assert 'download="sportloket-herstelcodes.txt"' in html

    stored = list(RecoveryCode.objects.filter(device__user=policy_staff))
    assert len(stored) == 10
    for value in shown:
        assert not any(value.replace("-", "") in r.digest or value in r.digest for r in stored)
        assert RecoveryCodeDevice.digest(policy_staff.pk, value.replace("-", "")) in {
            r.digest for r in stored
        }
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"two_factor_enrolled", "recovery_codes_generated"} <= actions
    assert_no_code_in_the_audit_trail(shown)

    # Never shown again: the enrolment page is closed, the overview only counts.
    assert client.get(SETUP).status_code == 302
    overview = client.get(RECOVERY_PAGE).content.decode()
    assert "10 van 10 herstelcodes" in overview
    assert not codes_in(overview)


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_a_recovery_code_logs_in_once_and_is_refused_the_second_time(client, pos_staff):
    _device, codes = enrol(pos_staff)
    client.force_login(pos_staff)
    assert client.get("/dashboard/pos/")["Location"].startswith(VERIFY)

    # As typed from paper: capitals and spaces instead of dashes are fine.
    typed = codes[0].upper().replace("-", " ")
    ok = verify_recovery(client, typed, "/dashboard/pos/")
    assert ok.status_code == 302
    assert ok["Location"] == "/dashboard/pos/"
    assert client.get("/dashboard/pos/").status_code == 200
    assert RecoveryCode.objects.filter(device__user=pos_staff).count() == 9
    used = AuditEvent.objects.get(action="recovery_code_used")
    assert used.actor == pos_staff
    assert used.changes == {"codes_left": "9"}
    assert_no_code_in_the_audit_trail(codes)

    client.post("/account/logout/")
    client.force_login(pos_staff)
    again = verify_recovery(client, codes[0])
    assert again.status_code == 400
    assert "Deze herstelcode is niet juist of is al gebruikt." in again.content.decode()
    assert client.get("/dashboard/pos/")["Location"].startswith(VERIFY)


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_a_wrong_recovery_code_is_refused_in_dutch_and_nothing_is_used(client, club_supporter):
    _device, codes = enrol(club_supporter)
    client.force_login(club_supporter)
    wrong = verify_recovery(client, "abcd-efgh-jkmn")
    html = wrong.content.decode()
    assert wrong.status_code == 400
    assert "Deze herstelcode is niet juist of is al gebruikt." in html
    assert re.search(r"<details[^>]* open>", html)  # the form being corrected stays open
    unthrottle(club_supporter)
    for bad in ["12345", "abcd-efgh-jkm0", "x" * 500, "<script>"]:
        response = verify_recovery(client, bad)
        assert response.status_code == 400
        assert "Een herstelcode heeft 12 letters en cijfers" in response.content.decode()
    assert RecoveryCode.objects.filter(device__user=club_supporter).count() == 10
    assert not AuditEvent.objects.filter(action="recovery_code_used").exists()
    assert client.get("/loket/hulpvragen/").status_code == 302


def at_last_failure(user):
    """Stop the clock at the user's last failed code (the latest of both throttles' own
    timestamps), so the wait shown is exactly the throttle's."""
    moment = max(
        model.objects.get(user=user).throttling_failure_timestamp
        for model in (TOTPDevice, RecoveryCodeDevice)
    )
    return mock.patch("django.utils.timezone.now", return_value=moment)


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_wrong_codes_of_either_kind_share_one_throttle(client, policy_staff):
    """A wrong recovery code throttles the app code too (and the other way round), so that
    switching between the two gains an attacker no attempts."""
    device, codes = enrol(policy_staff)
    client.force_login(policy_staff)
    assert verify_recovery(client, "abcd-efgh-jkmn").status_code == 400
    for model in (TOTPDevice, RecoveryCodeDevice):
        assert model.objects.get(user=policy_staff).throttling_failure_count == 1

    # The clock stands still at the moment of the failure, so a slow machine cannot let the
    # one-second wait pass before the next request.
    with at_last_failure(policy_staff):
        blocked = client.post(VERIFY, {"token": fresh_code(device)})
    assert blocked.status_code == 400
    assert "Te veel onjuiste codes. Wacht 1 seconde" in blocked.content.decode()

    # A wrong app code moves the recovery codes' throttle on as well.
    RecoveryCodeDevice.objects.filter(user=policy_staff).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5)
    )
    TOTPDevice.objects.filter(user=policy_staff).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=5)
    )
    wrong_app = f"{(int(fresh_code(device)) + 1) % 1_000_000:06d}"
    assert client.post(VERIFY, {"token": wrong_app}).status_code == 400
    backups = RecoveryCodeDevice.objects.get(user=policy_staff)
    assert backups.throttling_failure_count == 2
    with at_last_failure(policy_staff):
        refused = verify_recovery(client, codes[1])
    assert "Te veel onjuiste codes. Wacht 2 seconden" in refused.content.decode()
    assert RecoveryCode.objects.filter(device=backups).count() == 10  # not consumed

    # Once the wait is over the right code works, and clears both throttles.
    for model in (TOTPDevice, RecoveryCodeDevice):
        model.objects.filter(user=policy_staff).update(
            throttling_failure_timestamp=timezone.now() - dt.timedelta(seconds=60)
        )
    assert verify_recovery(client, codes[1]).status_code == 302
    for model in (TOTPDevice, RecoveryCodeDevice):
        assert model.objects.get(user=policy_staff).throttling_failure_count == 0


@override_settings(SPORTLOKET_REQUIRE_2FA=True, SPORTLOKET_LOGIN_RATE=3)
def test_recovery_codes_and_app_codes_share_the_rate_limit(client, policy_staff):
    device, codes = enrol(policy_staff)
    client.force_login(policy_staff)
    statuses = []
    for attempt in range(3):
        unthrottle(policy_staff)
        if attempt % 2:
            statuses.append(client.post(VERIFY, {"token": "000000"}).status_code)
        else:
            statuses.append(verify_recovery(client, "abcd-efgh-jkmn").status_code)
    assert statuses == [400, 400, 400]
    unthrottle(policy_staff)
    limited = verify_recovery(client, codes[0])
    assert limited.status_code == 429
    assert RecoveryCode.objects.filter(device__user=policy_staff).count() == 10


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_new_codes_need_a_current_app_code_and_void_the_old_ones(client, policy_staff):
    device, old_codes = enrol(policy_staff)
    client.force_login(policy_staff)
    assert verify_recovery(client, old_codes[0]).status_code == 302

    page = client.get(RECOVERY_PAGE).content.decode()
    assert "9 van 10 herstelcodes" in page
    refused = client.post(RECOVERY_PAGE, {"token": "123456"})
    assert refused.status_code == 400
    assert "Deze code is niet juist" in refused.content.decode()
    # A recovery code is no re-authentication for making new ones.
    unthrottle(policy_staff)
    not_app = client.post(RECOVERY_PAGE, {"token": old_codes[1]})
    assert not_app.status_code == 400
    assert RecoveryCode.objects.filter(device__user=policy_staff).count() == 9

    unthrottle(policy_staff)
    made = client.post(RECOVERY_PAGE, {"token": fresh_code(device)})
    assert made.status_code == 200
    assert "no-store" in made["Cache-Control"]
    new_codes = codes_in(made.content.decode().split("data:text/plain")[0])
    assert len(new_codes) == 10
    assert not set(new_codes) & set(old_codes)
    events = AuditEvent.objects.filter(action="recovery_codes_generated").order_by("pk")
    assert events.last().changes == {"codes": ["9", "10"]}
    assert_no_code_in_the_audit_trail(old_codes + new_codes)

    client.post("/account/logout/")
    client.force_login(policy_staff)
    stale = verify_recovery(client, old_codes[2])
    assert stale.status_code == 400
    unthrottle(policy_staff)
    assert verify_recovery(client, new_codes[0]).status_code == 302


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_few_codes_left_are_counted_and_warned_about(client, club_supporter):
    _device, codes = enrol(club_supporter)
    for value in codes[:7]:
        second_factor_check(user=club_supporter, code=value, recovery=True)
    client.force_login(club_supporter)
    response = verify_recovery(client, codes[7])
    assert response.status_code == 302
    home = client.get("/").content.decode()
    assert "Nog maar 2 herstelcodes over." in home
    assert "2 herstelcodes over" in home  # the count on the account card
    overview = client.get(RECOVERY_PAGE).content.decode()
    assert "2 van 10 herstelcodes" in overview
    assert "alert-warning" in overview

    for value in codes[8:]:
        second_factor_check(user=club_supporter, code=value, recovery=True)
    assert "alert-warning" in client.get(RECOVERY_PAGE).content.decode()
    with pytest.raises(DomainError, match="niet juist"):
        second_factor_check(user=club_supporter, code=codes[0], recovery=True)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_recovery_code_used_at_the_same_moment_twice_logs_in_once():
    """Two requests with the same code at once (a replayed form, a stolen copy): the locked
    device rows and the delete that accepts the code let exactly one of them through."""
    user = StaffProfileFactory(policy_staff=True).user
    _device, codes = enrol(user)

    def attempt():
        return second_factor_check(user=user, code=codes[0], recovery=True)

    outcomes = [outcome for outcome, _ in run_at_once(*[attempt] * 4)]
    assert sorted(outcomes) == ["ok", "refused", "refused", "refused"]
    assert RecoveryCode.objects.filter(device__user=user).count() == 9
    assert AuditEvent.objects.filter(action="recovery_code_used").count() == 1


ROLE_PAGES = {
    "club_supporter": "/loket/hulpvragen/",
    "policy_staff": "/pos-kantoren/",
    "pos_staff": "/dashboard/pos/",
    "administrator": "/beheer/",
}


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
@pytest.mark.parametrize("role", list(ROLE_PAGES))
def test_every_role_can_enrol_and_log_in_with_a_recovery_code(client, user_for_role, role):
    user = user_for_role(role)
    password_login(client, user.username)
    page = ROLE_PAGES[role]
    assert client.get(page)["Location"].startswith(SETUP)
    key = shown_key(client.get(SETUP))
    shown = codes_in(client.post(SETUP, {"token": key_code(key)}).content.decode())
    assert client.get(page).status_code == 200

    client.post("/account/logout/")
    password_login(client, user.username)
    assert client.get(page)["Location"].startswith(VERIFY)
    assert verify_recovery(client, shown[3], page)["Location"] == page
    assert client.get(page).status_code == 200
    assert client.get(RECOVERY_PAGE).status_code == 200


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
@pytest.mark.parametrize("changelist", ["sportloket/staffprofile", "auth/user"])
def test_an_administrator_resets_a_second_factor_after_confirming(
    client, administrator, policy_staff, changelist
):
    enrol(policy_staff)
    admin_device, _codes = enrol(administrator)
    client.force_login(administrator)
    client.post(VERIFY, {"token": fresh_code(admin_device)})
    person = Client()
    person.force_login(policy_staff)
    person_device = TOTPDevice.objects.get(user=policy_staff)
    assert person.post(VERIFY, {"token": fresh_code(person_device)}).status_code == 302
    assert person.get("/pos-kantoren/").status_code == 200

    listing = client.get(f"/beheer/{changelist}/").content.decode()
    assert "aan, 10 herstelcodes over" in listing
    selected = (
        policy_staff.staff_profile.pk if changelist.startswith("sportloket") else policy_staff.pk
    )
    action = {"action": "reset_two_factor", "_selected_action": [selected]}
    confirm = client.post(f"/beheer/{changelist}/", action)
    assert confirm.status_code == 200
    assert policy_staff.username in confirm.content.decode()
    assert TOTPDevice.objects.filter(user=policy_staff).exists()  # nothing before confirming

    done = client.post(f"/beheer/{changelist}/", {**action, "post": "yes"})
    assert done.status_code == 302
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()
    assert not RecoveryCodeDevice.objects.filter(user=policy_staff).exists()
    event = AuditEvent.objects.get(action="two_factor_reset")
    assert event.actor == administrator
    assert event.object_id == str(policy_staff.pk)
    assert "niet ingesteld" in client.get(f"/beheer/{changelist}/").content.decode()

    # The person's session lost its second factor: the next request enrols again.
    assert person.get("/pos-kantoren/")["Location"].startswith(SETUP)
    # The administrator's own second factor is untouched.
    assert TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()


def test_the_admin_cannot_read_authenticator_secrets():
    """django-otp's device admin shows each person's TOTP secret as a QR code link; it is
    replaced by the audited reset."""
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(RecoveryCodeDevice)
    assert not admin.site.is_registered(RecoveryCode)


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_recovery_codes_need_a_password_login_first(client, policy_staff):
    enrol(policy_staff)
    assert client.get(RECOVERY_PAGE)["Location"].startswith("/account/login/")
    response = client.post(VERIFY, {"recovery-code": "abcd-efgh-jkmn"})
    assert response["Location"].startswith("/account/login/")
    client.force_login(policy_staff)
    # Not verified yet: the overview of codes is behind the second factor.
    assert client.get(RECOVERY_PAGE)["Location"].startswith(VERIFY)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_journey_enrol_save_the_codes_log_in_with_one_and_move_to_a_new_phone(
    page, settings, tmp_path
):
    """In Chromium: first login sets up the app from the key in text, the codes page offers a
    download (checked against the page), the next login works with a saved code, and the
    person moves the second factor to a new phone. axe and the CSP watch every page."""
    settings.SPORTLOKET_REQUIRE_2FA = True
    user = StaffProfileFactory(policy_staff=True, user__username="beleid").user
    problems = watch_console(page)
    failures: list[str] = []

    def check(label: str) -> None:
        failures.extend(f"{label}: {v}" for v in serious_violations(page))
        failures.extend(f"{label}: {p}" for p in problems)
        problems.clear()

    page.goto("/account/login/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/account/tweestaps/instellen/**")
    check("enrolment")
    secret = page.locator(".otp-secret").inner_text().replace(" ", "")
    key = base64.b32decode(secret)
    page.get_by_label("Code uit uw authenticator-app").fill(f"{totp(key):06d}")
    page.get_by_role("button", name="Bevestigen").click()

    page.get_by_role("heading", name="Bewaar uw herstelcodes").wait_for()
    check("new codes")
    shown = page.locator(".recovery-codes code").all_inner_texts()
    assert len(shown) == 10
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Downloaden als tekstbestand").click()
    download = download_info.value
    assert download.suggested_filename == "sportloket-herstelcodes.txt"
    saved_file = tmp_path / "codes.txt"
    download.save_as(saved_file)
    saved = codes_in(saved_file.read_text())
    assert saved == shown
    assert page.get_by_role("button", name="Afdrukken").is_visible()
    page.get_by_role("link", name="Ik heb de codes bewaard, verder").click()
    page.get_by_role("heading", name=re.compile("Welkom")).wait_for()
    check("home")

    page.get_by_role("button", name="Uitloggen").click()
    page.goto("/account/login/")
    page.get_by_label("Gebruikersnaam").fill(user.username)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/account/tweestaps/?**")
    page.get_by_text("Telefoon niet bij de hand? Gebruik een herstelcode").click()
    check("verify with the recovery form open")
    page.get_by_label("Herstelcode").fill(saved[4])
    page.get_by_role("button", name="Inloggen met een herstelcode").click()
    page.get_by_text("U bent ingelogd met een herstelcode.").wait_for()
    assert RecoveryCode.objects.filter(device__user=user).count() == 9
    page.get_by_role("link", name="Inloggen in twee stappen en herstelcodes").click()
    page.get_by_text("U heeft nog 9 van 10 herstelcodes.").wait_for()
    check("recovery codes overview")

    # A new phone: the person moves the second factor over themselves.
    page.get_by_role("link", name="Inloggen in twee stappen overzetten naar een nieuwe").click()
    page.get_by_role("heading", name=re.compile("nieuwe telefoon")).wait_for()
    check("new phone")
    new_key = base64.b32decode(page.locator(".otp-secret").inner_text().replace(" ", ""))
    assert new_key != key
    page.get_by_label("Uw wachtwoord").fill(PASSWORD)
    page.get_by_label("Code uit de app op uw nieuwe telefoon").fill(f"{totp(new_key):06d}")
    page.get_by_role("button", name="Overzetten naar de nieuwe app").click()
    page.get_by_text("Uw nieuwe app is ingesteld.").wait_for()
    check("after the move")
    assert TOTPDevice.objects.get(user=user).bin_key == new_key
    assert not failures, "\n".join(failures)


# --- A new phone -------------------------------------------------------------------------------

REPLACE_PAGE = "/account/tweestaps/nieuwe-app/"


def new_app(client, user) -> TOTPDevice:
    """Open the page as the person does, and read the app it offers to set up (an unsaved
    device with the key the page shows)."""
    page = client.get(REPLACE_PAGE)
    assert page.status_code == 200
    assert 'src="data:image/svg+xml;base64,' in page.content.decode()
    assert "no-store" in page["Cache-Control"]
    return TOTPDevice(user=user, name="app", key=shown_key(page).hex())


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_a_new_phone_takes_over_with_password_and_its_code_and_the_old_app_stops(
    client, policy_staff
):
    old, codes = enrol(policy_staff)
    client.force_login(policy_staff)
    assert client.post(VERIFY, {"token": fresh_code(old)}).status_code == 302
    assert REPLACE_PAGE in client.get(RECOVERY_PAGE).content.decode()
    device = new_app(client, policy_staff)
    # The same QR code on a reload of this session, and no row until it is confirmed.
    assert new_app(client, policy_staff).key == device.key
    assert list(TOTPDevice.objects.filter(user=policy_staff)) == [old]

    done = client.post(REPLACE_PAGE, {"password": PASSWORD, "token": code(device)})
    assert done.status_code == 302
    assert done["Location"] == RECOVERY_PAGE
    shown = device
    device = TOTPDevice.objects.get(user=policy_staff)
    assert device.confirmed
    assert device.key == shown.key
    assert device.pk != old.pk
    assert "De oude app werkt niet meer" in client.get(RECOVERY_PAGE).content.decode()
    assert client.get("/pos-kantoren/").status_code == 200  # still verified, by the new app
    event = AuditEvent.objects.get(action="two_factor_app_replaced")
    assert event.actor == policy_staff
    assert RecoveryCode.objects.filter(device__user=policy_staff).count() == 10

    # Next login: the old app's code is refused, the new one's and a recovery code work.
    client.post("/account/logout/")
    client.force_login(policy_staff)
    assert client.post(VERIFY, {"token": code(old)}).status_code == 400  # its key is gone
    unthrottle(policy_staff)
    assert client.post(VERIFY, {"token": fresh_code(device)}).status_code == 302
    client.post("/account/logout/")
    client.force_login(policy_staff)
    assert verify_recovery(client, codes[0]).status_code == 302


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_a_new_phone_is_refused_without_the_password_or_its_code_and_nothing_changes(
    client, pos_staff
):
    old, _codes = enrol(pos_staff)
    client.force_login(pos_staff)
    assert client.post(VERIFY, {"token": fresh_code(old)}).status_code == 302
    device = new_app(client, pos_staff)

    def refused(data: dict, message: str) -> None:
        response = client.post(REPLACE_PAGE, data)
        assert response.status_code == 400
        assert message in response.content.decode()
        assert set(TOTPDevice.objects.filter(user=pos_staff, confirmed=True)) == {old}
        assert not AuditEvent.objects.filter(action="two_factor_app_replaced").exists()

    refused({"password": "fout-wachtwoord", "token": code(device)}, "Uw wachtwoord is niet juist")
    refused({"password": PASSWORD, "token": "000000"}, "Deze code is niet juist")
    unthrottle_session(client)
    # The old app's code does not confirm the new app.
    refused({"password": PASSWORD, "token": fresh_code(old)}, "Deze code is niet juist")
    unthrottle_session(client)
    refused({"password": PASSWORD, "token": "12ab56"}, "Vul de 6 cijfers in")
    refused({"password": "", "token": ""}, "Dit veld is verplicht")
    # Wrong codes count: a quick second try waits.
    refused({"password": PASSWORD, "token": "000000"}, "Deze code is niet juist")
    refused({"password": PASSWORD, "token": code(device)}, "Te veel onjuiste codes")


@override_settings(SPORTLOKET_REQUIRE_2FA=True, SPORTLOKET_LOGIN_RATE=3)
def test_password_guesses_on_the_new_phone_page_meet_the_login_rate_limit(client, policy_staff):
    old, _codes = enrol(policy_staff)
    client.force_login(policy_staff)
    assert client.post(VERIFY, {"token": fresh_code(old)}).status_code == 302
    device = new_app(client, policy_staff)
    for guess in ("een", "twee", "drie"):
        assert client.post(REPLACE_PAGE, {"password": guess, "token": "123456"}).status_code == 400
    limited = client.post(REPLACE_PAGE, {"password": PASSWORD, "token": code(device)})
    assert limited.status_code == 429
    assert list(TOTPDevice.objects.filter(user=policy_staff)) == [old]


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_the_new_phone_page_needs_a_verified_session_and_an_app(client, policy_staff):
    assert client.get(REPLACE_PAGE)["Location"].startswith("/account/login/")
    client.force_login(policy_staff)
    # No app yet: set one up first.
    assert client.get(REPLACE_PAGE)["Location"].startswith(SETUP)
    old, _codes = enrol(policy_staff)
    # An app, but this session has not passed it: someone with only the password cannot
    # move the second factor to their own phone.
    response = client.post(REPLACE_PAGE, {"password": PASSWORD, "token": "123456"})
    assert response["Location"].startswith(VERIFY)
    assert set(TOTPDevice.objects.filter(user=policy_staff)) == {old}


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_a_new_phone_whose_qr_code_is_gone_is_refused_in_dutch(client, policy_staff):
    """The session's pending app is gone meanwhile (confirmed in another tab): a clear
    refusal, and nothing changes."""
    old, _codes = enrol(policy_staff)
    client.force_login(policy_staff)
    assert client.post(VERIFY, {"token": fresh_code(old)}).status_code == 302
    device = new_app(client, policy_staff)
    session = client.session
    del session[PendingApp.SESSION_KEY]
    session.save()
    response = client.post(REPLACE_PAGE, {"password": PASSWORD, "token": code(device)})
    assert response.status_code == 400
    assert "De QR-code op deze pagina is verlopen" in response.content.decode()
    assert set(TOTPDevice.objects.filter(user=policy_staff, confirmed=True)) == {old}
    # The page offers a fresh QR code to start again.
    assert new_app(client, policy_staff).key != device.key


def test_moving_needs_an_app_to_move_from(policy_staff):
    session: dict = {}
    pending = PendingApp.of(session, policy_staff, create=True)
    with pytest.raises(DomainError, match="niet ingesteld"):
        two_factor_replace(
            session=session,
            user=policy_staff,
            password=PASSWORD,
            token=code(pending.device(policy_staff)),
        )
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()


# --- One secret per enrolling session ----------------------------------------------------------


def app_writes(queries) -> list[str]:
    """INSERT/UPDATE/DELETE statements of a request, apart from the session's own row."""
    return [
        q["sql"]
        for q in queries
        if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        and "django_session" not in q["sql"]
    ]


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_the_setup_page_writes_nothing_and_each_session_gets_its_own_secret(policy_staff):
    """Someone who knew the password before the first enrolment opens the setup page in their
    own browser: they see another key than the person, and nothing is stored for it."""
    person, intruder = Client(), Client()
    person.force_login(policy_staff)
    intruder.force_login(policy_staff)
    with CaptureQueriesContext(connection) as first:
        person_page = person.get(SETUP)
    assert person_page.status_code == 200
    assert app_writes(first.captured_queries) == []
    with CaptureQueriesContext(connection) as again:
        assert shown_key(person.get(SETUP)) == shown_key(person_page)  # a reload: same key
    assert app_writes(again.captured_queries) == []
    intruder_key = shown_key(intruder.get(SETUP))
    assert intruder_key != shown_key(person_page)
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_the_secret_of_one_session_cannot_be_confirmed_in_another(policy_staff):
    person, intruder = Client(), Client()
    person.force_login(policy_staff)
    intruder.force_login(policy_staff)
    person_key = shown_key(person.get(SETUP))
    intruder.get(SETUP)
    refused = intruder.post(SETUP, {"token": key_code(person_key)})
    assert refused.status_code == 400
    assert "Deze code is niet juist" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()

    # Without having opened the page, a session has no key to confirm.
    stranger = Client()
    stranger.force_login(policy_staff)
    expired = stranger.post(SETUP, {"token": key_code(person_key)})
    assert expired.status_code == 400
    assert "De QR-code op deze pagina is verlopen" in expired.content.decode()
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()

    # The person's own session confirms its own key; the intruder's key is worthless after.
    done = person.post(SETUP, {"token": key_code(person_key)})
    assert done.status_code == 200
    assert TOTPDevice.objects.get(user=policy_staff).bin_key == person_key
    assert intruder.post(SETUP, {"token": key_code(person_key)}).status_code == 302


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_after_a_reset_a_key_seen_before_cannot_be_enrolled(client, administrator, policy_staff):
    """The key shown before an administrator's reset (or before a logout) is discarded with its
    session: the next enrolment shows a new one."""
    client.force_login(policy_staff)
    seen = shown_key(client.get(SETUP))
    client.post("/account/logout/")
    client.force_login(policy_staff)
    assert shown_key(client.get(SETUP)) != seen
    refused = client.post(SETUP, {"token": key_code(seen)})
    assert refused.status_code == 400
    assert not TOTPDevice.objects.filter(user=policy_staff).exists()


def test_apps_left_unconfirmed_by_the_old_enrolment_are_discarded_by_the_migration():
    from django.apps import apps

    migration = importlib.import_module("sportloket.migrations.0005_discard_unconfirmed_totp")
    user = StaffProfileFactory(policy_staff=True).user
    TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    kept = TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    migration.discard_unconfirmed(apps, None)
    assert list(TOTPDevice.objects.filter(user=user)) == [kept]
