"""The daily sweep of overdue agreements, its beat entry, and the demo's meetings."""

import datetime as dt
import io
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command

from meetings import tasks
from meetings.models import AgreementNotice, Meeting
from meetings.programme.services import agreement_add
from poskantoor import demo as pos_demo
from poskantoor.models import PosOffice
from tests.poskantoor.factories import make_office

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


def test_overdue_agreement_task_run_twice_sends_one_email(django_capture_on_commit_callbacks):
    meeting = MeetingFactory(office=make_office(), held=True)
    agreement_add(
        meeting=meeting,
        by=None,
        data={
            "kind": "agreement",
            "description": "Folder maken",
            "owner_name": "Karin",
            "owner_email": "karin@example.org",
            "due_on": dt.date(2020, 1, 1),
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.agreements_overdue_notices() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.agreements_overdue_notices() == 0
    assert AgreementNotice.objects.count() == 1
    assert [m.to for m in mail.outbox] == [["karin@example.org"]]
    assert "Folder maken" in mail.outbox[0].body


def test_overdue_agreements_are_in_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE["meetings-agreements-overdue"]
    assert entry["task"] == "meetings.tasks.agreements_overdue_notices"


def test_demo_plans_the_started_office_year_and_a_held_meeting_and_is_idempotent(
    django_capture_on_commit_callbacks,
):
    """The meetings belong to the office that is officially started (seed 000 §5: "ingedeeld
    vanaf het moment dat de kerngroep drie visie-werksessies heeft doorlopen")."""
    with mock.patch.object(pos_demo.sweep_deadlines, "delay"):
        with django_capture_on_commit_callbacks(execute=True):
            call_command("demo_data", stdout=io.StringIO())
            call_command("demo_data", stdout=io.StringIO())
    office = PosOffice.objects.get(municipality__cbs_code=pos_demo.STARTED_OFFICE)
    assert office.meetings.filter(status="planned").exclude(programme_item="").count() == 3
    held = Meeting.objects.get(office=office, status="held")
    assert held.policy_maker_present
    assert held.social_domain_present
    assert held.attendees.filter(present=True).count() >= 2
    assert held.agreements.count() == 1
