"""Issue "Login from a town hall": "The login limit (30 posts per 15 minutes per address) locks
out a whole municipality behind one address, and its 429 page uses the public form's wording
without a waiting time. Throttle per account (django-axes already does that) with a much
higher per-address ceiling; every 429 page says how long to wait, in words that fit the page
refused."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import F
from django.test import override_settings
from django.utils import translation

from sportloket.ratelimit import seconds_left, wait_in_words
from tests.factories import StaffProfileFactory

LOGIN = "/account/login/"
PASSWORD = "geheim-wachtwoord-123"  # noqa: S105
WAIT = re.compile(r"Wacht (\d+) (minuut|minuten|uur) en ")

pytestmark = pytest.mark.django_db


def _login(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def _waiting_minutes(response, window_seconds: int) -> int:
    """The page names a waiting time and Retry-After says the same, both within the window."""
    retry_after = int(response["Retry-After"])
    assert 1 <= retry_after <= window_seconds
    match = WAIT.search(response.content.decode())
    assert match, response.content.decode()
    minutes = int(match.group(1)) * (60 if match.group(2) == "uur" else 1)
    assert minutes == -(-retry_after // 60)
    return minutes


def test_a_town_hall_of_forty_colleagues_logs_in_from_one_address_in_one_quarter():
    """Forty staff behind one address each log in (some mistype once): no one is refused."""
    assert settings.SPORTLOKET_LOGIN_RATE >= 300
    for i in range(40):
        StaffProfileFactory(policy_staff=True, user__username=f"collega{i}")
    from django.test import Client

    for i in range(40):
        client = Client()
        if i % 4 == 0:
            assert _login(client, f"collega{i}", "verkeerd").status_code == 200
        assert _login(client, f"collega{i}", PASSWORD).status_code == 302


def test_password_guessing_on_one_account_is_still_stopped_per_account(client, policy_staff):
    """The per-address ceiling is high, so the account lock (axes) carries the guessing."""
    for _ in range(4):
        assert _login(client, "beleid", "fout").status_code == 200
    locked = _login(client, "beleid", "fout")
    assert locked.status_code == 429
    # A colleague behind the same address is not affected.
    StaffProfileFactory(policy_staff=True, user__username="collega")
    assert _login(client, "collega", PASSWORD).status_code == 302


def test_the_account_lock_page_says_how_long_to_wait(client, policy_staff):
    for _ in range(5):
        locked = _login(client, "beleid", "fout")
    text = locked.content.decode()
    assert locked.status_code == 429
    assert "tijdelijk geblokkeerd" in text
    # AXES_COOLOFF_TIME is one hour, counted from the last failure: all of it is left.
    assert _waiting_minutes(locked, 3600) == 60
    assert "Wacht 1 uur en log dan opnieuw in" in text


def test_the_account_lock_page_counts_down_what_is_left_and_more_tries_do_not_extend_it(
    client, policy_staff
):
    """ "every 429 page says how long to wait": twenty minutes after the lock, forty are left,
    also for a correct password, and trying again while locked does not move the end."""
    for _ in range(5):
        _login(client, "beleid", "fout")
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - dt.timedelta(minutes=20))
    for password in ("fout", PASSWORD, "nog-eens-fout"):
        locked = _login(client, "beleid", password)
        assert locked.status_code == 429
        assert 39 <= _waiting_minutes(locked, 3600) <= 40


def test_the_admin_login_lock_page_says_how_long_to_wait_too(client, administrator):
    for _ in range(5):
        locked = client.post(
            "/beheer/login/", {"username": "beheerder", "password": "fout"}, REMOTE_ADDR="10.0.0.2"
        )
    assert locked.status_code == 429
    assert _waiting_minutes(locked, 3600) == 60


def test_the_account_lock_page_in_english(client, policy_staff):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    for _ in range(5):
        locked = _login(client, "beleid", "fout")
    assert "Please wait 1 hour and log in again" in locked.content.decode()
    assert 3590 <= int(locked["Retry-After"]) <= 3600


@override_settings(SPORTLOKET_LOGIN_RATE=2)
def test_the_login_limit_page_speaks_of_logging_in_and_says_how_long_to_wait(client):
    for i in range(2):
        _login(client, f"iemand{i}", "fout")
    response = _login(client, "iemand", "fout")
    assert response.status_code == 429
    text = response.content.decode()
    assert "inlogpogingen" in text
    assert "log dan opnieuw in" in text
    assert "inzendingen" not in text
    assert _waiting_minutes(response, 900) <= 15


@override_settings(SPORTLOKET_PUBLIC_FORM_RATE=1)
def test_the_public_form_limit_page_speaks_of_submissions_and_says_how_long_to_wait(client):
    data = {"email": "iemand@example.org"}
    client.post("/account/password_reset/", data)
    response = client.post("/account/password_reset/", data)
    assert response.status_code == 429
    text = response.content.decode()
    assert "inzendingen" in text
    assert "Er is niets opgeslagen" in text
    assert "inlogpogingen" not in text
    assert _waiting_minutes(response, 3600) <= 60


@override_settings(SPORTLOKET_PUBLIC_FORM_RATE=1)
def test_a_public_form_of_an_app_says_how_long_to_wait_too(client):
    client.post("/hulpvraag/", {})
    response = client.post("/hulpvraag/", {})
    assert response.status_code == 429
    assert "inzendingen" in response.content.decode()
    _waiting_minutes(response, 3600)


@override_settings(SPORTLOKET_EXPORT_RATE=1)
def test_the_export_limit_page_speaks_of_downloads(client, club_supporter):
    client.force_login(club_supporter)
    client.get("/aanbieders/export.csv")
    response = client.get("/aanbieders/export.csv")
    assert response.status_code == 429
    assert "bestanden gedownload" in response.content.decode()
    _waiting_minutes(response, 3600)


@override_settings(SPORTLOKET_SEARCH_RATE=1)
def test_the_search_limit_page_speaks_of_requests(client, club_supporter):
    client.force_login(club_supporter)
    client.get("/aanbieders/", {"q": "zwem"})
    response = client.get("/aanbieders/", {"q": "zwem"})
    assert response.status_code == 429
    text = response.content.decode()
    assert "veel verzoeken gedaan" in text
    assert "inlogpogingen" not in text
    assert _waiting_minutes(response, 600) <= 10


def test_the_wait_is_what_is_left_of_the_window_in_whole_minutes_or_hours():
    assert seconds_left(900, now=900 * 10) == 900
    assert seconds_left(900, now=900 * 10 + 899) == 1
    assert seconds_left(900, now=900 * 10 + 61) == 839
    assert wait_in_words(1) == "1 minuut"
    assert wait_in_words(61) == "2 minuten"
    assert wait_in_words(839) == "14 minuten"
    assert wait_in_words(3600) == "1 uur"
    with translation.override("en"):
        assert wait_in_words(839) == "14 minutes"
