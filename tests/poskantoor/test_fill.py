"""The benchmark fill command: an office per municipality in a random step, plus history."""

import io

import pytest
from django.core.management import call_command

from poskantoor.constants import OfficeStatus
from poskantoor.models import FoundingStep, PosOffice
from sportloket.models import Municipality

pytestmark = pytest.mark.django_db


def test_fill_creates_one_open_office_per_municipality_and_historical_ones():
    call_command("poskantoor_fill", historical=50, stdout=io.StringIO())
    current = PosOffice.objects.exclude(status=OfficeStatus.STOPPED)
    assert current.count() == Municipality.objects.filter(active=True).count()
    assert PosOffice.objects.filter(status=OfficeStatus.STOPPED).count() == 50
    assert FoundingStep.objects.count() == PosOffice.objects.count() * 8
    assert len(set(current.values_list("current_step", flat=True))) > 3
    for office in current.filter(status=OfficeStatus.FOUNDING)[:20]:
        done = office.steps.filter(completed_on__isnull=False).count()
        assert done == ["1", "2a", "2b", "3", "4", "5", "6", "7"].index(office.current_step)
