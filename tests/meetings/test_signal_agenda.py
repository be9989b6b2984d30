"""Signals and rising themes go onto a meeting's agenda (issue 9, seed 001 strategic level)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from meetings.programme import services
from meetings.programme.constants import MeetingStatus
from tests.factories import DeskFactory, StaffProfileFactory, municipality
from tests.network.factories import SignalFactory
from tests.poskantoor.factories import make_office

from .factories import MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def utrecht_desk():
    return DeskFactory(name="Loket Utrecht", municipalities=[municipality("GM0344")])


@pytest.fixture
def office():
    return make_office()


def test_a_signal_of_a_desk_serving_the_office_goes_on_the_agenda_once(office, utrecht_desk):
    meeting = MeetingFactory(office=office, agenda="Opening")
    signal = SignalFactory(desk=utrecht_desk, description="Bestuurders  haken af")
    services.meeting_agenda_add_signal(meeting=meeting, signal=signal, by=None)
    services.meeting_agenda_add_signal(meeting=meeting, signal=signal, by=None)
    meeting.refresh_from_db()
    lines = meeting.agenda.splitlines()
    assert lines[0] == "Opening"
    assert lines[1] == f"Signaal ({signal.theme.name}): Bestuurders haken af"
    assert len(lines) == 2


def test_a_signal_of_another_network_is_refused(office):
    other_desk = DeskFactory(municipalities=[municipality("GM0363")])
    meeting = MeetingFactory(office=office)
    with pytest.raises(services.MeetingError, match="hoort niet bij het netwerk"):
        services.meeting_agenda_add_signal(
            meeting=meeting, signal=SignalFactory(desk=other_desk), by=None
        )
    meeting.refresh_from_db()
    assert meeting.agenda == ""


def test_a_desk_meeting_takes_only_its_own_desks_signals(utrecht_desk):
    meeting = MeetingFactory(desk=utrecht_desk)
    own = SignalFactory(desk=utrecht_desk)
    services.meeting_agenda_add_signal(meeting=meeting, signal=own, by=None)
    with pytest.raises(services.MeetingError):
        services.meeting_agenda_add_signal(
            meeting=meeting, signal=SignalFactory(desk=DeskFactory()), by=None
        )


def test_only_a_planned_meetings_agenda_changes(office, utrecht_desk):
    meeting = MeetingFactory(office=office, status=MeetingStatus.HELD)
    with pytest.raises(services.MeetingError, match="geplande bijeenkomst"):
        services.meeting_agenda_add_signal(
            meeting=meeting, signal=SignalFactory(desk=utrecht_desk), by=None
        )


def test_policy_staff_put_a_signal_on_their_offices_agenda_through_the_page(
    client, policy_staff, office, utrecht_desk
):
    meeting = MeetingFactory(office=office)
    signal = SignalFactory(desk=utrecht_desk)
    client.force_login(policy_staff)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Signaal op de agenda zetten" in page
    url = reverse("meetings:meeting_action", args=[meeting.pk, "signal"])
    response = client.post(url, {"signal": signal.pk}, follow=True)
    assert "Het signaal staat op de agenda." in response.content.decode()
    meeting.refresh_from_db()
    assert signal.description in meeting.agenda


@pytest.mark.parametrize("value", ["", "abc", "999999", "1 OR 1=1", "-1"])
def test_bad_signal_choice_gets_a_dutch_message_and_changes_nothing(
    client, policy_staff, office, value
):
    meeting = MeetingFactory(office=office, agenda="Opening")
    client.force_login(policy_staff)
    url = reverse("meetings:meeting_action", args=[meeting.pk, "signal"])
    response = client.post(url, {"signal": value}, follow=True)
    assert response.status_code == 400
    assert "Kies een van de signalen uit de lijst." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.agenda == "Opening"


def test_staff_of_another_municipality_cannot_change_the_agenda(client, office, utrecht_desk):
    meeting = MeetingFactory(office=office)
    other = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0363")).user
    client.force_login(other)
    url = reverse("meetings:meeting_action", args=[meeting.pk, "signal"])
    response = client.post(url, {"signal": SignalFactory(desk=utrecht_desk).pk})
    assert response.status_code == 404
