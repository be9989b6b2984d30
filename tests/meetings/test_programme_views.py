"""Meeting pages: permissions per role, forms, the office page block and the list column."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from meetings.models import Agreement, Attendee, Meeting
from poskantoor.models import PosOffice
from sportloket.constants import Role
from tests.factories import DeskFactory, StaffProfileFactory, municipality
from tests.poskantoor.factories import make_office

from .factories import MeetingFactory, amsterdam

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(db):
    return make_office()


@pytest.fixture
def other_office(db):
    return make_office("GM0363")


@pytest.fixture
def utrecht_desk(db):
    return DeskFactory(name="Loket Utrecht", municipalities=[municipality("GM0344")])


@pytest.fixture
def desk_supporter(utrecht_desk):
    return StaffProfileFactory(club_supporter=True, desk=utrecht_desk, user__username="sanne").user


def meeting_post(**extra):
    return {
        "kind": "follow_up",
        "title": "Sportcafé",
        "date": "2026-05-12",
        "start_time": "19:30",
        "end_time": "21:00",
        "location": "Sporthal",
        **extra,
    }


def test_anonymous_is_sent_to_login(client, office):
    meeting = MeetingFactory(office=office)
    for url in (
        reverse("meetings:meeting_list"),
        reverse("meetings:meeting_detail", args=[meeting.pk]),
        reverse("meetings:programme", args=[office.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_policy_staff_plans_a_meeting_of_their_own_office_not_of_another(
    client, policy_staff, office, other_office
):
    client.force_login(policy_staff)
    url = reverse("meetings:meeting_create", args=[office.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, meeting_post())
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert meeting.office == office
    assert meeting.starts_at == amsterdam(2026, 5, 12, 19, 30)
    other = reverse("meetings:meeting_create", args=[other_office.pk])
    assert client.get(other).status_code == 404
    assert client.post(other, meeting_post()).status_code == 404
    foreign = MeetingFactory(office=other_office)
    assert client.get(reverse("meetings:meeting_detail", args=[foreign.pk])).status_code == 404
    assert (
        client.post(reverse("meetings:meeting_action", args=[foreign.pk, "held"])).status_code
        == 404
    )


def test_bad_meeting_input_shows_dutch_errors_and_saves_nothing(client, policy_staff, office):
    client.force_login(policy_staff)
    url = reverse("meetings:meeting_create", args=[office.pk])
    response = client.post(url, meeting_post(end_time="19:00", location=""))
    assert response.status_code == 400
    content = response.content.decode()
    assert "moet eindigen na" in content
    assert "locatie of een online link" in content
    response = client.post(url, meeting_post(kind="start_session_1"))
    assert "onderwerp van de startsessie" in response.content.decode()
    assert not Meeting.objects.exists()


def test_pos_staff_manage_every_office(client, pos_staff, other_office):
    client.force_login(pos_staff)
    response = client.post(
        reverse("meetings:programme", args=[other_office.pk]),
        {"programme": "year_1", "year": "2027"},
    )
    assert response.status_code == 302
    assert other_office.meetings.count() == 3


def test_club_supporter_reads_office_meetings_in_the_area_and_manages_own_desk_meetings(
    client, desk_supporter, office, other_office, utrecht_desk
):
    client.force_login(desk_supporter)
    office_meeting = MeetingFactory(office=office)
    assert client.get(office_meeting.get_absolute_url()).status_code == 200
    action = reverse("meetings:meeting_action", args=[office_meeting.pk, "minutes"])
    assert client.post(action, {"minutes": "x"}).status_code == 403
    assert client.get(reverse("meetings:meeting_create", args=[office.pk])).status_code == 403
    assert client.get(reverse("meetings:programme", args=[office.pk])).status_code == 403
    foreign = MeetingFactory(office=other_office)
    assert client.get(foreign.get_absolute_url()).status_code == 404
    response = client.post(reverse("meetings:meeting_create_desk"), meeting_post())
    desk_meeting = Meeting.objects.get(desk=utrecht_desk)
    assert response.status_code == 302
    response = client.post(
        reverse("meetings:meeting_action", args=[desk_meeting.pk, "minutes"]), {"minutes": "Goed"}
    )
    desk_meeting.refresh_from_db()
    assert desk_meeting.minutes == "Goed"
    other_desk = MeetingFactory(desk=DeskFactory(name="Loket Elders"))
    assert client.get(other_desk.get_absolute_url()).status_code == 404
    founding = meeting_post(kind="kartrekkers")
    assert client.post(reverse("meetings:meeting_create_desk"), founding).status_code == 400
    assert Meeting.objects.count() == 4


def test_policy_staff_cannot_manage_desk_meetings(client, policy_staff, utrecht_desk):
    client.force_login(policy_staff)
    meeting = MeetingFactory(desk=utrecht_desk)
    assert client.get(meeting.get_absolute_url()).status_code == 200
    action = reverse("meetings:meeting_action", args=[meeting.pk, "cancel"])
    assert client.post(action).status_code == 403
    assert client.get(reverse("meetings:meeting_create_desk")).status_code == 403


def test_attendance_agreement_and_held_through_the_pages(client, policy_staff, office):
    client.force_login(policy_staff)
    meeting = MeetingFactory(office=office)
    action = lambda name: reverse("meetings:meeting_action", args=[meeting.pk, name])  # noqa: E731
    client.post(action("attendee"), {"name": "Wethouder", "role": "policy_maker"})
    client.post(action("attendee"), {"name": ""})  # refused: no name, no provider
    attendee = Attendee.objects.get()
    client.post(action("attendance"), {"present": [str(attendee.pk)]})
    client.post(action("attendance"), {"present": ["abc"]})  # bad input: refused, no 500
    client.post(
        action("agreement"),
        {
            "kind": "project",
            "description": "Proefles",
            "target_group": "",
            "theme": "",
            "owner_name": "Karin",
            "due_on": "2026-09-01",
        },
    )
    assert not Agreement.objects.exists()  # a target group or theme is required
    theme = __import__("sportloket.models", fromlist=["Theme"]).Theme.objects.first()
    response = client.post(
        action("agreement"),
        {
            "kind": "project",
            "description": "Proefles",
            "theme": theme.pk,
            "owner_name": "Karin",
            "due_on": "2026-09-01",
        },
        follow=True,
    )
    assert "Proefles" in response.content.decode()
    client.post(action("held"))
    meeting.refresh_from_db()
    assert (meeting.status, meeting.policy_maker_present) == ("held", True)
    page = client.get(office.get_absolute_url()).content.decode()
    assert "Proefles" in page
    assert 'data-norm="policy_maker"' in page
    done = reverse("meetings:agreement_done", args=[Agreement.objects.get().pk])
    client.post(done, {"next": "office"})
    assert Agreement.objects.get().done_on is not None


def test_ics_download(client, policy_staff, office):
    client.force_login(policy_staff)
    meeting = MeetingFactory(office=office, starts_at=amsterdam(2026, 10, 25, 1, 30))
    response = client.get(reverse("meetings:meeting_ics", args=[meeting.pk]))
    assert response["Content-Type"] == "text/calendar; method=REQUEST; charset=utf-8"
    event = next(iter(icalendar.Calendar.from_ical(response.content).walk("VEVENT")))
    assert event.decoded("DTSTART") == amsterdam(2026, 10, 25, 1, 30)


def test_meeting_list_is_scoped(client, policy_staff, office, other_office):
    client.force_login(policy_staff)
    MeetingFactory(office=office, title="Eigen", starts_at=amsterdam(2026, 3, 1, 10, 0))
    MeetingFactory(office=other_office, title="Vreemd", starts_at=amsterdam(2026, 3, 1, 10, 0))
    content = client.get(reverse("meetings:meeting_list") + "?jaar=2026").content.decode()
    assert "Eigen" in content
    assert "Vreemd" not in content
    assert client.get(reverse("meetings:meeting_list") + "?jaar=x").status_code == 200


@pytest.mark.parametrize("count", [2, 20])
def test_office_list_guideline_column_has_a_constant_query_count(
    client, pos_staff, count, django_assert_max_num_queries
):
    codes = ["GM0344", "GM0363", "GM0599", "GM0518", "GM0014", "GM0034", "GM0037", "GM0047",
             "GM0050", "GM0059", "GM0060", "GM0072", "GM0074", "GM0080", "GM0085", "GM0086",
             "GM0088", "GM0090", "GM0093", "GM0096"]  # fmt: skip
    for code in codes[:count]:
        office = make_office(code)
        MeetingFactory(office=office, held=True, starts_at=dt.datetime.now(tz=dt.UTC))
    client.force_login(pos_staff)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("poskantoor:list"))
    assert response.content.decode().count("data-guideline=") == count
    assert PosOffice.objects.count() == count


def test_role_matrix_for_the_programme_page(client, user_for_role, office):
    expected = {
        Role.POLICY_STAFF: 200,
        Role.POS_STAFF: 200,
        Role.CLUB_SUPPORTER: 403,
        Role.ADMINISTRATOR: 200,
    }
    url = reverse("meetings:programme", args=[office.pk])
    for role, status in expected.items():
        kwargs = {"municipality": municipality("GM0344")} if role == Role.POLICY_STAFF else {}
        client.force_login(user_for_role(role, **kwargs))
        assert client.get(url).status_code == status, role
