"""The demo: Utrecht's office has an overdue step, and loading twice changes nothing."""

import io
from unittest import mock

import pytest
from django.core.management import call_command

from meetings.models import SupportRequestAllocation
from poskantoor import demo
from poskantoor.models import PosOffice
from poskantoor.selectors import next_action

pytestmark = pytest.mark.django_db


def test_demo_has_an_overdue_utrecht_office_and_is_idempotent(django_capture_on_commit_callbacks):
    with mock.patch.object(demo.sweep_deadlines, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("demo_data", stdout=io.StringIO())
            call_command("demo_data", stdout=io.StringIO())
    assert delay.call_count == 2
    utrecht = PosOffice.objects.get(municipality__cbs_code="GM0344")
    action = next_action(utrecht)
    assert action.step.code == "3"
    assert action.state == "overdue"
    assert PosOffice.objects.count() == 5
    assert utrecht.core_members.count() == 3
    # Money for a support question, once although the demo ran twice.
    link = SupportRequestAllocation.objects.select_related("allocation__budget").get()
    assert link.support_request.subject == "Subsidie voor nieuwe materialen"
    assert link.allocation.budget.allocated == link.allocation.amount
