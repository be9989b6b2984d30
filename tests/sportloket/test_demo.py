"""The demo tells a true story: dates relative to today and consistent with each office's
steps, summary lines true on a second run, demo logins enrolled in two-step login with their
keys printed, and the logins printed again once the web server answers."""

import datetime as dt
import io
import re
import threading
from base64 import b32decode
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from meetings.models import Meeting
from network.models import DeskCriterionTick
from poskantoor import demo as pos_demo
from poskantoor.constants import Decision, StepCode
from poskantoor.decisions.constants import DecisionSide, ProposalStatus
from poskantoor.decisions.models import DecisionProposal
from poskantoor.models import PosOffice
from providers.models import Provider
from sportloket.demo import DEMO_PASSWORD, DEMO_USERS
from sportloket.models import DeskPartner

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parents[2]
KEY_LINE = re.compile(r"^  (\S+)\s+.+?\s([A-Z2-7]{32})$", re.M)


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    """Run ``demo_data``; returns a function that runs it and gives its output."""

    def run() -> str:
        out = io.StringIO()
        with mock.patch.object(pos_demo.sweep_deadlines, "delay"):
            with django_capture_on_commit_callbacks(execute=True):
                call_command("demo_data", stdout=out)
        return out.getvalue()

    return run


def test_demo_run_twice_says_what_exists_not_what_it_added(demo):
    first = demo()
    second = demo()
    assert "5 demo POS offices, 5 new this run (Utrecht has an overdue step 3)." in first
    assert "5 demo POS offices, 0 new this run (Utrecht has an overdue step 3)." in second
    assert "6 demo support questions in Sport- en beweegloket Utrecht, 0 new this run." in second
    assert re.search(r"\d+ demo meetings of POS-kantoor Amsterdam, 0 new this run\.", second)
    assert "0 demo POS offices" not in second


def test_demo_dates_are_relative_to_today_and_consistent_with_the_steps(demo):
    demo()
    today, now = timezone.localdate(), timezone.now()
    offices = PosOffice.objects.prefetch_related("steps", "meetings")
    assert offices.count() == 5
    for office in offices:
        held = sorted(
            (step for step in office.steps.all() if step.held_on), key=lambda s: s.position
        )
        previous = office.registered_on
        for step in held:
            assert previous <= step.held_on <= today, (office, step.code)
            assert step.planned_on is None or step.planned_on <= step.held_on
            previous = step.held_on
        for meeting in office.meetings.all():
            assert timezone.localdate(meeting.starts_at) >= office.registered_on, meeting
            if meeting.status == "planned":
                assert meeting.starts_at > now, f"{meeting} planned in the past"
            else:
                assert meeting.starts_at < now


def test_demo_meetings_only_at_an_office_whose_start_sessions_are_done(demo):
    """Seed 000 §5: the meetings are "ingedeeld vanaf het moment dat de kerngroep drie
    visie-werksessies heeft doorlopen"."""
    demo()
    for office in PosOffice.objects.filter(meetings__isnull=False).distinct():
        sessions = office.steps.get(code=StepCode.START_SESSIONS)
        assert sessions.held_on is not None, office
        first = Meeting.objects.filter(office=office).order_by("starts_at").first()
        assert timezone.localdate(first.starts_at) > sessions.held_on


def test_demo_step_3_decisions_are_taken_jointly_by_both_sides(demo):
    """Seed 000 §6 stap 3: "Deze lokale kerngroep en POS besluiten gezamenlijk of er een
    startbijeenkomst met ondersteuning komt"."""
    demo()
    decided = [
        step
        for office in PosOffice.objects.prefetch_related("steps")
        for step in office.steps.all()
        if step.code == StepCode.KARTREKKERS and step.decision
    ]
    assert {step.decision for step in decided} == {Decision.GO, Decision.NO_GO_NEW_KARTREKKERS}
    for step in decided:
        proposal = DecisionProposal.objects.get(step=step)
        assert proposal.status == ProposalStatus.CONFIRMED
        assert proposal.taken_by(DecisionSide.POS) is not None
        municipal = proposal.taken_by(DecisionSide.MUNICIPALITY)
        assert municipal.staff_profile.municipality == step.office.municipality
        assert proposal.decided_on == step.held_on


def _keys(output: str) -> dict[str, str]:
    return dict(KEY_LINE.findall(output))


def test_demo_logins_are_enrolled_and_their_keys_printed_unchanged_on_a_second_run(demo):
    first, second = _keys(demo()), _keys(demo())
    assert set(first) == {row[0] for row in DEMO_USERS}
    assert first == second
    for username, key in first.items():
        device = TOTPDevice.objects.get(user__username=username, confirmed=True)
        assert b32decode(key) == device.bin_key


@override_settings(SPORTLOKET_REQUIRE_2FA=True)
def test_a_newcomer_logs_in_with_the_printed_password_and_key(demo, client):
    key = _keys(demo())["clubondersteuner"]
    login = client.post(
        "/account/login/", {"username": "clubondersteuner", "password": DEMO_PASSWORD}
    )
    assert login.status_code == 302
    assert client.get("/")["Location"].startswith("/account/tweestaps/")
    code = f"{totp(b32decode(key)):06d}"
    assert client.post("/account/tweestaps/", {"token": code, "next": "/"}).status_code == 302
    assert client.get("/").status_code == 200


class _Server:
    """A web server whose /health/live/ answers 503 for the first ``down`` requests."""

    def __init__(self, down: int):
        server = self
        self.requests = 0

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                server.requests += 1
                self.send_response(503 if server.requests <= down else 200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/health/live/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_the_logins_printer_waits_until_the_server_answers_then_prints_the_logins(demo):
    demo()
    server = _Server(down=3)
    out = io.StringIO()
    try:
        call_command("demo_logins", wait_for=server.url, interval=0.05, timeout=10, stdout=out)
    finally:
        server.close()
    assert server.requests == 4  # three refusals, then the answer
    printed = out.getvalue()
    assert printed.index("The site answers") < printed.index("Demo logins")
    assert set(_keys(printed)) == {row[0] for row in DEMO_USERS}


def test_the_logins_printer_gives_up_with_a_clear_message_when_no_server_answers(demo):
    demo()
    server = _Server(down=10_000)
    try:
        with pytest.raises(CommandError, match="did not answer within"):
            call_command(
                "demo_logins", wait_for=server.url, interval=0.05, timeout=0.3, stdout=io.StringIO()
            )
    finally:
        server.close()


def test_make_run_prints_the_logins_once_its_web_server_answers_with_two_step_login_on():
    processes = dict(
        line.split(":", 1) for line in (BASE_DIR / "Procfile.dev").read_text().splitlines() if line
    )
    web = re.search(r"runserver (\S+)", processes["web"]).group(1)
    assert "SPORTLOKET_REQUIRE_2FA=${SPORTLOKET_REQUIRE_2FA:-true}" in processes["web"]
    printer = processes["logins"]
    assert f"demo_logins --wait-for http://{web}/health/live/" in printer
    assert "--stay" in printer  # honcho stops every process when one ends


def test_demo_dates_follow_today(demo):
    """Loaded on another day, the same story moves with it (nothing is a fixed date)."""
    later = timezone.now() + dt.timedelta(days=400)
    with mock.patch("django.utils.timezone.now", return_value=later):
        demo()
        utrecht = PosOffice.objects.get(municipality__cbs_code="GM0344")
        assert utrecht.registered_on == timezone.localdate(later) - dt.timedelta(days=120)
        day = timezone.localdate(later)
        signed = DeskPartner.objects.exclude(declaration_signed_on=None)
        assert {p.declaration_signed_on for p in signed} == {day - dt.timedelta(days=640)}
        assert DeskCriterionTick.objects.get().ticked_on == day - dt.timedelta(days=570)
        assert {p.vog_date for p in Provider.objects.exclude(vog_date=None)} == {
            day - dt.timedelta(days=690)
        }


def test_demo_offices_are_public_with_a_consenting_contact_and_coming_meetings(demo, client):
    """Seed 000 §4: "POS-kantoor op de website van POS", "Agenda en contactpersoon op de
    website van POS": the public map and pages show offices, contacts and meetings."""
    first = demo()
    utrecht = PosOffice.objects.get(municipality__cbs_code="GM0344")
    assert utrecht.is_public
    assert utrecht.public_contact_name
    # The consent recorded by the demo municipality's policy officer (the "beleid" login).
    assert utrecht.public_contact_consent_by.username == "beleid"
    consent_at = utrecht.public_contact_consent_at
    page = client.get("/pos-kantoren/utrecht/").content.decode()
    assert utrecht.public_contact_name in page
    assert "/pos-kantoren/utrecht/" in client.get("/pos-kantoren/kaart/").content.decode()
    offices = {row["slug"]: row for row in client.get("/api/v1/public/pos-offices/").json()}
    assert offices["utrecht"]["contact"]["name"] == utrecht.public_contact_name
    assert offices["amsterdam"]["meetings"], "no coming public meeting in the demo"
    amsterdam = client.get("/pos-kantoren/amsterdam/").content.decode()
    assert 'data-testid="meeting"' in amsterdam
    assert "2 demo POS offices public (Amsterdam, Utrecht)" in first
    second = demo()
    assert "2 demo POS offices public (Amsterdam, Utrecht)" in second
    utrecht.refresh_from_db()
    assert utrecht.public_contact_consent_at == consent_at
