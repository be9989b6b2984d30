"""Response headers over the whole route list: ``Permissions-Policy`` on every response, and
``Cache-Control: no-store`` on every response that may hold personal data (the rule is
``sportloket.middleware.must_not_be_stored``)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from sportloket.constants import Role

from .test_permission_matrix import APP_ROUTES, MATRIX, PUBLIC
from .world import build_world

DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture", "serial")
DOWNLOAD_ROUTES = {
    "aanbieders/export.csv",
    "aanbieders/<int:pk>/persoonsgegevens/",
    "loket/dashboard/csv/<str:table>/",
    "dashboard/pos/csv/<str:table>/",
    "monitor/<int:year>/",
}
UNLIMITED = override_settings(
    SPORTLOKET_PUBLIC_FORM_RATE=100_000,
    SPORTLOKET_SEARCH_RATE=100_000,
    SPORTLOKET_EXPORT_RATE=100_000,
    SPORTLOKET_LOGIN_RATE=100_000,
)


def no_store(response) -> bool:
    directives = {d.strip().lower() for d in response.get("Cache-Control", "").split(",")}
    return "no-store" in directives and response.get("Pragma") == "no-cache"


def denies_everything(response) -> bool:
    policy = response.get("Permissions-Policy", "")
    features = dict(item.strip().split("=", 1) for item in policy.split(",") if "=" in item)
    return all(features.get(feature) == "()" for feature in DENIED)


def request(client, route: str, url: str):
    return client.post(url) if MATRIX[route].method == "post" else client.get(url)


@pytest.fixture
def world(db):
    return build_world()


@pytest.mark.django_db
@UNLIMITED
def test_every_route_answers_a_logged_in_user_with_no_store_and_the_permissions_policy(
    client, world
):
    """Every role on every route, whatever the answer (200, 302, 403, 404): staff pages are
    about people."""
    problems = []
    for actor in (Role.CLUB_SUPPORTER.value, Role.POLICY_STAFF.value, Role.POS_STAFF.value):
        client.force_login(world.users[actor])
        for route in APP_ROUTES:
            if route == "account/logout/":
                continue
            response = request(client, route, world.url(route))
            if not no_store(response):
                problems.append(f"{actor} {route}: Cache-Control {response.get('Cache-Control')}")
            if not denies_everything(response):
                problems.append(f"{actor} {route}: no Permissions-Policy")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@UNLIMITED
def test_public_routes_store_nothing_personal_and_carry_the_permissions_policy(client, world):
    """Anonymous: pages with a secret token in the URL and every POST answer are no-store;
    the plain public pages (the same for everyone) may be cached."""
    problems = []
    public = [r for r in APP_ROUTES if MATRIX[r].roles == PUBLIC and r != "account/logout/"]
    assert len(public) >= 10
    for route in public:
        url = world.url(route)
        response = request(client, route, url)
        secret = "<str:token>" in route or "<slug:token>" in route or "<uidb64>" in route
        # Every calendar file is stored nowhere, also a public meeting's (its organiser is a
        # person, named with consent that can be withdrawn at any time).
        calendar = route.endswith(".ics")
        if (secret or calendar or MATRIX[route].method == "post") != no_store(response):
            problems.append(f"{route}: Cache-Control {response.get('Cache-Control')!r}")
        if not denies_everything(response):
            problems.append(f"{route}: no Permissions-Policy")
        if MATRIX[route].method == "get":
            posted = client.post(url, {})
            if posted.status_code != 405 and not no_store(posted):
                problems.append(f"POST {route}: Cache-Control {posted.get('Cache-Control')!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
@UNLIMITED
def test_the_requester_status_page_with_its_token_is_never_stored(client, world):
    response = client.get(world.kwargs["request"].get_public_url())
    assert response.status_code == 200
    assert no_store(response)


@pytest.mark.django_db
@UNLIMITED
def test_every_download_is_never_stored(client, world):
    """The downloads are no-store because they are downloads, not only because a staff
    member asked for them (the rule holds for a download served without a session too)."""
    from sportloket.middleware import must_not_be_stored

    client.force_login(world.users[Role.ADMINISTRATOR.value])
    checked = 0
    for route in sorted(DOWNLOAD_ROUTES):
        response = request(client, route, world.url(route))
        assert response.status_code == 200, route
        assert no_store(response), route
        response.wsgi_request.user = None  # the same answer, as if nobody were logged in
        assert must_not_be_stored(response.wsgi_request, response), route
        checked += 1
    transparency = world.url("subsidies/transparantie/<int:desk>/<int:year>/") + "?format=csv"
    response = client.get(transparency)
    assert response["Content-Disposition"].startswith("attachment")
    assert no_store(response)
    assert checked == len(DOWNLOAD_ROUTES)


@pytest.mark.django_db
def test_the_plain_public_pages_stay_cacheable(client):
    for url in ("/aanmelden/", "/privacy/", "/hulpvraag/"):
        response = client.get(url)
        assert response.status_code == 200
        assert not no_store(response), url


@pytest.mark.django_db
def test_static_files_and_error_pages_carry_the_permissions_policy_too(client):
    static = client.get("/static/css/sportloket.css")
    assert static.status_code == 200
    assert denies_everything(static)
    assert not no_store(static)
    missing = client.get("/bestaat-niet/")
    assert missing.status_code == 404
    assert denies_everything(missing)
