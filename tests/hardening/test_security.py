"""Security promises: Content Security Policy, login lockout, session timeouts, rate limits."""

from __future__ import annotations

import datetime as dt
import html
import re
import time
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import override_settings
from django.urls import resolve

from sportloket.constants import Role
from sportloket.ratelimit import client_address, limited_views, normalise_address

from .world import build_world, routes

BASE_DIR = Path(__file__).resolve().parent.parent.parent
LOGIN = "/account/login/"
ADMIN_LOGIN = "/beheer/login/"
PASSWORD = "geheim-wachtwoord-123"


# --- Content Security Policy -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/aanmelden/", "/account/login/", "/hulpvraag/"])
def test_every_page_carries_a_strict_content_security_policy(client, url):
    policy = client.get(url)["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";") if " " in d.strip())
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


def test_staff_pages_carry_the_policy_too(admin_client):
    assert "script-src 'self'" in admin_client.get("/")["Content-Security-Policy"]


INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle\s*=|\son[a-z]+\s*=|hx-on|javascript:", re.I
)


def test_no_template_has_inline_script_style_or_event_handler():
    """The policy would block them in the browser; this finds them before a user does."""
    offenders = []
    folders = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    for folder in folders:
        for template in folder.rglob("*.html"):
            if "pdf" in template.name:  # rendered by WeasyPrint, never served to a browser
                continue
            for number, line in enumerate(template.read_text().splitlines(), 1):
                if INLINE.search(line):
                    offenders.append(f"{template.relative_to(BASE_DIR)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_the_inline_check_finds_what_it_looks_for():
    for bad in (
        "<script>alert(1)</script>",
        '<div style="color:red">',
        '<button onclick="x()">',
        "<style>p{}</style>",
        '<a href="javascript:x()">',
    ):
        assert INLINE.search(bad), bad
    assert not INLINE.search('<script src="/static/js/app.js"></script>')


# --- Login lockout (django-axes) ---------------------------------------------------------------


def _login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


@pytest.mark.django_db
def test_five_failures_lock_the_username_from_that_address_for_one_hour(client, policy_staff):
    for _ in range(4):
        assert _login(client, "beleid", "fout").status_code == 200
    locked = _login(client, "beleid", "fout")
    assert locked.status_code == 429
    assert "tijdelijk geblokkeerd" in locked.content.decode()
    # Even the right password is refused during the cool-off...
    assert _login(client, "beleid", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    # ...but the same user from another address, and another user from this address, may log in.
    assert _login(client, "beleid", PASSWORD, address="10.0.0.2").status_code == 302
    client.logout()
    # After the hour the lock is gone.
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=61))
    assert _login(client, "beleid", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_the_lock_is_per_username(client, policy_staff, pos_staff):
    for _ in range(5):
        _login(client, "beleid", "fout")
    assert _login(client, "beleid", PASSWORD).status_code == 429
    assert _login(client, "posmedewerker", PASSWORD).status_code == 302


@pytest.mark.django_db
def test_within_the_hour_the_lock_holds(client, policy_staff):
    for _ in range(5):
        _login(client, "beleid", "fout")
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=59))
    assert _login(client, "beleid", PASSWORD).status_code == 429


@pytest.mark.django_db
def test_a_success_resets_the_failure_count(client, policy_staff):
    for _ in range(4):
        _login(client, "beleid", "fout")
    assert _login(client, "beleid", PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert _login(client, "beleid", "fout").status_code == 200
    assert _login(client, "beleid", PASSWORD).status_code == 302


def _admin_login(client, username, password, address="10.0.0.1"):
    return client.post(
        ADMIN_LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address
    )


@pytest.mark.django_db
def test_the_admin_login_locks_like_the_staff_login_and_shares_its_lock(client, administrator):
    for _ in range(4):
        assert _admin_login(client, "beheerder", "fout").status_code == 200
    locked = _admin_login(client, "beheerder", "fout")
    assert locked.status_code == 429
    assert "tijdelijk geblokkeerd" in locked.content.decode()
    assert _admin_login(client, "beheerder", PASSWORD).status_code == 429
    # One lock for both doors: the staff login refuses the same username from this address.
    assert _login(client, "beheerder", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    assert _admin_login(client, "beheerder", PASSWORD, address="10.0.0.2").status_code == 302


@pytest.mark.django_db
def test_the_ipv6_login_lock_holds_for_every_address_of_the_64(client, policy_staff):
    """An attacker with a /64 (one customer line) must not get 5 guesses per address."""
    for i in range(5):
        _login(client, "beleid", "fout", address=f"2001:db8:7:9::{i + 1:x}")
    assert _login(client, "beleid", PASSWORD, address="2001:db8:7:9:ffff::1").status_code == 429
    assert "_auth_user_id" not in client.session
    # The next /64 is another client.
    assert _login(client, "beleid", PASSWORD, address="2001:db8:7:a::1").status_code == 302


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.17", "192.0.2.17"),
        ("2001:db8:7:9:1234:5678:9abc:def0", "2001:db8:7:9::"),
        ("2001:0DB8:0007:0009:0000:0000:0000:0001", "2001:db8:7:9::"),
        ("2001:db8:7:a::1", "2001:db8:7:a::"),
        ("::ffff:192.0.2.17", "192.0.2.17"),
        ("::1", "::"),
        ("unknown", "unknown"),
        ("x" * 500, "x" * 64),
    ],
)
def test_limits_key_ipv4_as_is_ipv6_per_64_and_mapped_ipv4_as_ipv4(address, key):
    assert normalise_address(address) == key


@override_settings(SPORTLOKET_TRUSTED_PROXIES=1)
def test_the_forwarded_address_of_a_trusted_proxy_is_normalised_too(rf):
    request = rf.get("/", HTTP_X_FORWARDED_FOR="2001:db8:7:9::abcd", REMOTE_ADDR="10.0.0.1")
    assert client_address(request) == "2001:db8:7:9::"


# --- Session timeouts --------------------------------------------------------------------------


def _age_session(client, *, started_ago: int, seen_ago: int):
    session = client.session
    now = int(time.time())
    session["_sl_started"] = now - started_ago
    session["_sl_seen"] = now - seen_ago
    session.save()


@pytest.mark.django_db
def test_an_active_session_stays(client, policy_staff):
    client.force_login(policy_staff)
    assert client.get("/").status_code == 200
    _age_session(client, started_ago=3600, seen_ago=settings.SPORTLOKET_SESSION_IDLE_SECONDS - 60)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_an_idle_session_ends(client, policy_staff):
    client.force_login(policy_staff)
    client.get("/")
    _age_session(client, started_ago=3600, seen_ago=settings.SPORTLOKET_SESSION_IDLE_SECONDS + 1)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.django_db
def test_a_session_ends_after_its_absolute_lifetime_however_active(client, policy_staff):
    client.force_login(policy_staff)
    client.get("/")
    _age_session(client, started_ago=settings.SPORTLOKET_SESSION_ABSOLUTE_SECONDS + 1, seen_ago=5)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


def test_the_session_cookie_lives_no_longer_than_the_absolute_lifetime():
    assert settings.SESSION_COOKIE_AGE <= settings.SPORTLOKET_SESSION_ABSOLUTE_SECONDS
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


# --- Rate limits -------------------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SPORTLOKET_LOGIN_RATE=3)
def test_login_posts_are_rate_limited_per_address_and_nothing_is_recorded(client, policy_staff):
    for i in range(3):
        _login(client, f"iemand{i}", "fout")
    attempts = AccessAttempt.objects.count()
    response = _login(client, "beleid", PASSWORD)
    assert response.status_code == 429
    assert "Een ogenblik geduld" in response.content.decode()
    assert AccessAttempt.objects.count() == attempts
    assert "_auth_user_id" not in client.session
    # The login page itself still opens, and another address may log in.
    assert client.get(LOGIN).status_code == 200
    assert _login(client, "beleid", PASSWORD, address="10.0.0.9").status_code == 302


@pytest.mark.django_db
@override_settings(SPORTLOKET_LOGIN_RATE=3)
def test_the_admin_login_counts_in_the_login_limit_per_address(client, administrator):
    """Switching between the staff login and the admin login buys no extra guesses."""
    _login(client, "iemand0", "fout")
    _admin_login(client, "iemand1", "fout")
    _login(client, "iemand2", "fout")
    attempts = AccessAttempt.objects.count()
    response = _admin_login(client, "beheerder", PASSWORD)
    assert response.status_code == 429
    assert AccessAttempt.objects.count() == attempts
    assert "_auth_user_id" not in client.session
    assert _admin_login(client, "beheerder", PASSWORD, address="10.0.0.9").status_code == 302


@pytest.mark.django_db
@override_settings(SPORTLOKET_LOGIN_RATE=3)
def test_login_posts_from_one_ipv6_64_share_one_limit(client, policy_staff):
    for i in range(3):
        _login(client, f"iemand{i}", "fout", address=f"2001:db8:7:9::{i + 1}")
    assert _login(client, "beleid", PASSWORD, address="2001:db8:7:9:abcd::1").status_code == 429
    assert _login(client, "beleid", PASSWORD, address="2001:db8:7:a::1").status_code == 302


@pytest.mark.django_db
@override_settings(SPORTLOKET_LOGIN_RATE=2)
def test_an_ipv4_mapped_address_counts_as_its_ipv4_address(client, policy_staff):
    _login(client, "iemand", "fout", address="::ffff:10.0.0.5")
    _login(client, "iemand", "fout", address="10.0.0.5")
    assert _login(client, "beleid", PASSWORD, address="::ffff:10.0.0.5").status_code == 429


@pytest.mark.django_db
@override_settings(SPORTLOKET_SEARCH_RATE=2)
def test_search_is_rate_limited_per_user(client, club_supporter, pos_staff):
    client.force_login(club_supporter)
    for _ in range(2):
        assert client.get("/aanbieders/", {"q": "zwem"}).status_code == 200
    assert client.get("/aanbieders/", {"q": "zwem"}).status_code == 429
    client.force_login(pos_staff)
    assert client.get("/aanbieders/", {"q": "zwem"}).status_code == 200


@pytest.mark.django_db
@override_settings(SPORTLOKET_EXPORT_RATE=1)
def test_exports_are_rate_limited_per_user(client, club_supporter):
    client.force_login(club_supporter)
    assert client.get("/aanbieders/export.csv").status_code == 200
    assert client.get("/aanbieders/export.csv").status_code == 429


@pytest.mark.django_db
@override_settings(SPORTLOKET_PUBLIC_FORM_RATE=1)
def test_password_reset_requests_are_rate_limited(client, mailoutbox, policy_staff):
    from sportloket.models import OutgoingEmail

    client.post("/account/password_reset/", {"email": policy_staff.email})
    queued = OutgoingEmail.objects.count()
    response = client.post("/account/password_reset/", {"email": policy_staff.email})
    assert response.status_code == 429
    assert OutgoingEmail.objects.count() == queued


EXPORT_ROUTE = re.compile(
    r"[./](csv|ics|pdf|xlsx)(/|$)|export|persoonsgegevens|^monitor/|/bestand/$"
)


def test_every_export_route_is_rate_limited():
    names = set()
    for route in routes():
        if not route.startswith("beheer/") and EXPORT_ROUTE.search(route):
            path = "/" + re.sub(r"<uuid:[^>]+>", "00000000-0000-0000-0000-000000000000", route)
            path = re.sub(r"<[^>]+>", "1", path)
            names.add(resolve(path).view_name)
    assert len(names) >= 4
    limited = limited_views()
    missing = sorted(n for n in names if n not in limited)
    assert not missing, f"exports without a rate limit: {missing}"


# The kind of limit of every limited route. Each view declares its own (``rate_limit = …``);
# this list keeps a view from losing its limit, or an unrelated view from inheriting one,
# unnoticed. It equals the central list of URL names the limiter used to read.
LIMITED_ROUTES = {
    "login": "login",
    "admin:login": "login",
    "oidc_start": "sso",
    "oidc_callback": "sso",
    "password_reset": "public_form",
    "providers:confirm": "public_form",
    "poskantoor:interest_confirm": "public_form",
    "otp_verify": "login",
    "otp_setup": "login",
    "otp_recovery_codes": "login",
    "otp_replace": "login",
    "providers:list": "search",
    "providers:export": "export",
    "providers:personal_data": "export",
    "providers:import_report": "export",
    "meetings:requester_export": "export",
    "meetings:portal_sign_in_request": "public_form",
    "meetings:portal_sign_in": "login",
    "meetings:portal_export": "export",
    "meetings:portal_question": "public_form",
    "meetings:portal_question_new": "public_form",
    "meetings:portal_colleagues": "public_form",
    "meetings:portal_safety_claim": "public_form",
    "meetings:portal_evidence": "export",
    "meetings:portal_desk_evidence": "export",
    "poskantoor:list": "search",
    "meetings:board": "search",
    "meetings:meeting_list": "search",
    "meetings:meeting_ics": "export",
    "meetings:calendar_feed": "feed",
    "network:network": "search",
    "network:signals": "search",
    "network:comparison": "search",
    "network:coach_list": "search",
    "poskantoor:year_plan_pdf": "export",
    "reports:pos_dashboard_csv": "export",
    "reports:desk_dashboard_csv": "export",
    "reports:monitoring_export": "export",
    "reports:public_meeting_ics": "export",
    "subsidies:scheme_list": "search",
    "subsidies:provider_list": "search",
    "network:news_subscribe": "public_form",
}


def test_every_route_declares_the_limit_it_always_had():
    assert limited_views() == LIMITED_ROUTES


def test_a_view_declaring_an_unknown_kind_of_limit_is_a_configuration_error():
    from django.core.exceptions import ImproperlyConfigured

    from sportloket.ratelimit import declared_kind, rate_limited

    class Misspelt:
        rate_limit = "serach"

    def view(request):
        return None

    view.view_class = Misspelt
    with pytest.raises(ImproperlyConfigured, match="serach"):
        declared_kind(view, "misspelt")
    with pytest.raises(ValueError, match="serach"):
        rate_limited("serach")


TRANSPARENCY = "subsidies/transparantie/<int:desk>/<int:year>/"


@pytest.mark.django_db
@override_settings(SPORTLOKET_EXPORT_RATE=1)
def test_a_query_string_export_is_rate_limited_like_the_other_exports(client):
    world = build_world()
    client.force_login(world.users[Role.CLUB_SUPPORTER.value])
    url = world.url(TRANSPARENCY)
    download = client.get(url, {"format": "csv"})
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert client.get(url, {"format": "csv"}).status_code == 429
    # The page itself is no export: it still opens.
    assert client.get(url).status_code == 200


QUERY_LINK = re.compile(r'href="([^"#]*\?[^"#]*)"')


@pytest.mark.django_db
@override_settings(
    SPORTLOKET_EXPORT_RATE=1,
    SPORTLOKET_SEARCH_RATE=100_000,
    SPORTLOKET_PUBLIC_FORM_RATE=100_000,
    SPORTLOKET_LOGIN_RATE=100_000,
)
def test_every_query_string_export_is_rate_limited(client):
    """Exports that are not routes of their own (``?format=csv`` on a page) are found by
    following every link with a query string on every page, as a role that may open it: each
    link that answers with a download must be refused the second time (export limit 1)."""
    from .test_bad_input import actor_for
    from .test_permission_matrix import APP_ROUTES, MATRIX

    world = build_world()
    downloads, unlimited = [], []
    for route in APP_ROUTES:
        if MATRIX[route].method != "get" or route.startswith("account/reset"):
            continue
        user = world.users[actor_for(route)]
        client.logout()
        if user is not None:
            client.force_login(user)
        url = world.url(route)
        page = client.get(url)
        if not page.get("Content-Type", "").startswith("text/html"):
            continue
        for href in sorted(set(QUERY_LINK.findall(page.content.decode()))):
            target = urljoin(url, html.unescape(href))
            if urlsplit(target).netloc:
                continue
            if "attachment" not in client.get(target).get("Content-Disposition", ""):
                continue
            downloads.append(target)
            if client.get(target).status_code != 429:
                unlimited.append(target)
    assert world.url(TRANSPARENCY) + "?format=csv" in downloads
    assert not unlimited, f"query-string exports without a rate limit: {unlimited}"


PUBLIC_POST_EXEMPT = {
    # The link in the reset e-mail: the signed token is the gate, a guess is worthless.
    "account/reset/<uidb64>/<token>/",
    "account/logout/",
    "i18n/setlang/",
    # A thank-you page without a form: a POST renders the same text and stores nothing.
    "hulpvraag/verzonden/",
    "portaal/inloggen/verstuurd/",
    # The portal behind its sign-in (itself limited): without a portal session a POST is sent
    # to the sign-in page and stores nothing. Its question forms count like the public forms;
    # the download counts in the export limit.
    "portaal/",
    "portaal/uitloggen/",
    "portaal/nieuwsbrief/",
    "portaal/gegevens/",
    "portaal/gegevens/export/",
    "portaal/veiligheid/",
    "portaal/veiligheid/bewijs/<int:pk>/bestand/",
    "portaal/regelingen/",
}


@pytest.mark.django_db
@override_settings(SPORTLOKET_PUBLIC_FORM_RATE=2, SPORTLOKET_LOGIN_RATE=2)
def test_every_public_form_is_rate_limited(client):
    """Generated from the permission matrix: every public route that accepts a POST answers
    the third POST from one address within the hour with the friendly 429."""
    from .test_permission_matrix import APP_ROUTES, MATRIX, PUBLIC
    from .world import build_world

    world = build_world()
    unlimited = []
    for route in APP_ROUTES:
        if MATRIX[route].roles != PUBLIC or route in PUBLIC_POST_EXEMPT:
            continue
        url = world.url(route)
        statuses = [client.post(url, {}, REMOTE_ADDR="10.9.9.9").status_code for _ in range(3)]
        if statuses[0] == 405:
            continue  # no form here
        if statuses[2] != 429:
            unlimited.append(f"{route}: {statuses}")
    assert not unlimited, unlimited
