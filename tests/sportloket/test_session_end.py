"""Issue "Session end": "Staff are logged out after inactivity without warning (WCAG 2.2.1):
warn a few minutes before, with a button to stay logged in; nothing typed in a form is lost by
the warning." The server side (keep-alive) here; the warning itself in Chromium below, with
Playwright's clock so no test waits for real minutes."""

from __future__ import annotations

import json
import time

import pytest

from tests.factories import StaffProfileFactory

KEEPALIVE = "/account/sessie-verlengen/"


@pytest.fixture
def staff_client(client, club_supporter):
    client.force_login(club_supporter)
    return client


def _age_session(client, *, idle: int, since_login: int) -> None:
    session = client.session
    now = int(time.time())
    session["_sl_seen"] = now - idle
    session["_sl_started"] = now - since_login
    session.save()


@pytest.mark.django_db
def test_stay_logged_in_starts_the_idle_time_again(staff_client, settings):
    settings.SPORTLOKET_SESSION_IDLE_SECONDS = 1800
    _age_session(staff_client, idle=1700, since_login=3600)
    response = staff_client.post(KEEPALIVE)
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["idle_seconds"] >= 1795
    assert abs(data["absolute_seconds"] - (settings.SPORTLOKET_SESSION_ABSOLUTE_SECONDS - 3600)) < 5
    assert "no-store" in response["Cache-Control"]
    assert staff_client.session["_sl_seen"] >= int(time.time()) - 5


@pytest.mark.django_db
def test_stay_logged_in_does_not_move_the_absolute_end(staff_client, settings):
    lifetime = settings.SPORTLOKET_SESSION_ABSOLUTE_SECONDS
    _age_session(staff_client, idle=10, since_login=lifetime - 100)
    data = json.loads(staff_client.post(KEEPALIVE).content)
    assert data["absolute_seconds"] <= 100


@pytest.mark.django_db
def test_a_session_that_has_ended_is_not_revived_by_the_button(staff_client, settings):
    _age_session(staff_client, idle=settings.SPORTLOKET_SESSION_IDLE_SECONDS + 5, since_login=7200)
    response = staff_client.post(KEEPALIVE)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in staff_client.session


@pytest.mark.django_db
def test_the_keepalive_answers_only_posts(staff_client):
    assert staff_client.get(KEEPALIVE).status_code == 405


@pytest.mark.django_db
def test_staff_pages_carry_the_warning_with_the_configured_times(staff_client, settings):
    settings.SPORTLOKET_SESSION_WARNING_SECONDS = 240
    html = staff_client.get("/").content.decode()
    assert 'id="session-warning"' in html
    assert 'role="alertdialog"' in html
    assert 'data-warn="240"' in html
    assert "js/session-timeout.js" in html


@pytest.mark.django_db
def test_public_pages_carry_no_session_warning(client):
    html = client.get("/hulpvraag/").content.decode()
    assert "session-warning" not in html
    assert "session-timeout.js" not in html


# --- In the browser -------------------------------------------------------------------------

browser = pytest.mark.browser
transactional = pytest.mark.django_db(transaction=True)
TYPED = "Gebeld over de zwemles; belt volgende week terug."


def _open_form_with_fake_clock(page, login, settings):
    """Log in, take over the page's clock, open the contact moments form and type in it."""
    settings.SPORTLOKET_SESSION_IDLE_SECONDS = 600
    settings.SPORTLOKET_SESSION_WARNING_SECONDS = 120
    StaffProfileFactory(club_supporter=True, user__username="club")
    login("club")
    page.clock.install()
    page.goto("/loket/contactmomenten/")
    field = page.locator("main textarea").first
    field.fill(TYPED)
    return field


@browser
@transactional
def test_staff_are_warned_before_the_idle_logout_and_stay_logged_in_keeping_their_input(
    page, login, settings
):
    field = _open_form_with_fake_clock(page, login, settings)
    dialog = page.get_by_role("alertdialog", name="U wordt bijna uitgelogd")
    page.clock.run_for("07:00")
    assert not dialog.is_visible()
    page.clock.run_for("02:00")
    dialog.wait_for(state="visible")
    assert "uitgelogd" in dialog.inner_text()
    stay = dialog.get_by_role("button", name="Ingelogd blijven")
    assert stay.evaluate("el => el === document.activeElement")
    assert field.input_value() == TYPED
    with page.expect_response("**/account/sessie-verlengen/") as answer:
        stay.click()
    assert answer.value.status == 200
    assert answer.value.json()["idle_seconds"] >= 590
    dialog.wait_for(state="hidden")
    # Focus is back where the person was typing, and the text is still there.
    assert field.evaluate("el => el === document.activeElement")
    assert field.input_value() == TYPED
    # The idle time started again: no warning for another seven minutes.
    page.clock.run_for("07:00")
    assert not dialog.is_visible()


@browser
@transactional
def test_escape_keeps_the_session_too(page, login, settings):
    field = _open_form_with_fake_clock(page, login, settings)
    page.clock.run_for("09:00")
    dialog = page.get_by_role("alertdialog", name="U wordt bijna uitgelogd")
    dialog.wait_for(state="visible")
    with page.expect_response("**/account/sessie-verlengen/") as answer:
        page.keyboard.press("Escape")
    assert answer.value.status == 200
    dialog.wait_for(state="hidden")
    assert field.input_value() == TYPED


@browser
@transactional
def test_when_the_time_runs_out_the_page_says_so_and_keeps_what_was_typed(page, login, settings):
    field = _open_form_with_fake_clock(page, login, settings)
    page.clock.run_for("09:00")
    dialog = page.get_by_role("alertdialog", name="U wordt bijna uitgelogd")
    dialog.wait_for(state="visible")
    page.clock.run_for("02:00")
    page.get_by_text("U bent uitgelogd.").wait_for(state="visible")
    assert not dialog.get_by_role("button", name="Ingelogd blijven").is_visible()
    login_again = dialog.get_by_role("link", name="Opnieuw inloggen (nieuw tabblad)")
    assert login_again.evaluate("el => el === document.activeElement")
    dialog.get_by_role("button", name="Sluiten").click()
    assert field.input_value() == TYPED
    assert page.url.endswith("/loket/contactmomenten/")


def _two_tabs(page, login, settings):
    """Log in, then two tabs of one browser (one session) with the page's clock taken over."""
    settings.SPORTLOKET_SESSION_IDLE_SECONDS = 600
    settings.SPORTLOKET_SESSION_WARNING_SECONDS = 120
    StaffProfileFactory(club_supporter=True, user__username="club")
    login("club")
    page.clock.install()  # the context's clock: both tabs run on it
    page.goto("/loket/contactmomenten/")
    other = page.context.new_page()
    other.goto("/")
    return page, other


def _warning(tab):
    return tab.get_by_role("alertdialog", name="U wordt bijna uitgelogd")


@browser
@transactional
def test_staying_logged_in_in_one_tab_closes_the_warning_in_the_other(page, login, settings):
    first, second = _two_tabs(page, login, settings)
    first.locator("main textarea").first.fill(TYPED)
    first.clock.run_for("09:00")
    _warning(first).wait_for(state="visible")
    _warning(second).wait_for(state="visible")
    with second.expect_response("**/account/sessie-verlengen/") as answer:
        _warning(second).get_by_role("button", name="Ingelogd blijven").click()
    assert answer.value.status == 200
    _warning(second).wait_for(state="hidden")
    _warning(first).wait_for(state="hidden")
    assert first.locator("main textarea").first.input_value() == TYPED
    # Both tabs count from the extension: no warning in either for another seven minutes.
    first.clock.run_for("07:00")
    assert not _warning(first).is_visible()
    assert not _warning(second).is_visible()


@browser
@transactional
def test_working_in_one_tab_keeps_the_warning_away_in_the_other(page, login, settings):
    """A page loaded in one tab is activity of the session: the other tab, idle all along,
    counts from it and shows no warning when its own count would have."""
    first, second = _two_tabs(page, login, settings)
    first.clock.run_for("05:00")
    second.goto("/loket/contactmomenten/")
    first.clock.run_for("04:30")
    assert not _warning(first).is_visible()
    assert not _warning(second).is_visible()
    # Left alone in both tabs, the warning comes in both, before the idle end.
    first.clock.run_for("04:00")
    _warning(first).wait_for(state="visible")
    _warning(second).wait_for(state="visible")
