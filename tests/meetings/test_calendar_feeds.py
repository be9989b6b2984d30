"""Private calendar feeds of a staff member, a desk and a POS office: read by two independent
parsers (icalendar and vobject) at the right local time in winter and summer, deadlines as
all-day events, a renewed address revokes the old one, another municipality's data never in a
feed, a fixed number of queries however many events, rate limited and never cached."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.feeds.selectors import feed_token, feed_urls
from meetings.feeds.services import calendar_feed_renew
from meetings.models import Agreement, Attendee, CalendarFeed
from meetings.programme.ics import meeting_uid
from poskantoor.constants import MUNICIPALITY_SIDE, StepCode
from sportloket.models import AuditEvent
from tests.factories import DeskFactory, StaffProfileFactory, municipality
from tests.poskantoor.factories import make_office

from .factories import MeetingFactory, SupportRequestFactory, amsterdam

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.localdate().year + 1
WINTER = amsterdam(NEXT_YEAR, 1, 14, 19, 30)  # CET, UTC+1
SUMMER = amsterdam(NEXT_YEAR, 6, 17, 19, 30)  # CEST, UTC+2


@pytest.fixture
def utrecht_office(db):
    return make_office("GM0344")


@pytest.fixture
def amsterdam_office(db):
    return make_office("GM0363")


@pytest.fixture
def policy(db):
    return StaffProfileFactory(
        policy_staff=True, municipality=municipality("GM0344"), user__email="els@utrecht.example"
    ).user


def attend(meeting, user):
    Attendee.objects.create(meeting=meeting, name=user.get_full_name() or "x", user=user)
    return meeting


def fetch(feed, client=None):
    client = client or Client()
    path = feed_urls(feed)[1].split("://", 1)[1].split("/", 1)[1]
    return client.get(f"/{path}")


def events_by_uid(ics: str) -> dict:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(ics).walk("VEVENT")}


def vevents_by_uid(ics: str) -> dict:
    return {e.uid.value: e for e in vobject.readOne(ics).vevent_list}


def test_both_parsers_read_the_meetings_at_the_local_time_in_winter_and_summer(
    utrecht_office, policy
):
    winter = attend(MeetingFactory(office=utrecht_office, starts_at=WINTER), policy)
    summer = attend(MeetingFactory(office=utrecht_office, starts_at=SUMMER), policy)
    feed = calendar_feed_renew(user=policy, by=policy)

    response = fetch(feed)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "no-store" in response["Cache-Control"].split(", ")
    ics = response.content.decode()
    by_icalendar, by_vobject = events_by_uid(ics), vevents_by_uid(ics)
    for meeting, utc_hour in ((winter, 18), (summer, 17)):
        uid = meeting_uid(meeting)
        start_i = by_icalendar[uid].decoded("DTSTART")
        start_v = by_vobject[uid].dtstart.value
        for start in (start_i, start_v):
            assert (start.hour, start.minute) == (19, 30)  # the wall time in Amsterdam
            assert start.astimezone(dt.UTC).hour == utc_hour
            assert start == meeting.starts_at
        assert by_icalendar[uid]["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    calendar = icalendar.Calendar.from_ical(ics)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert "ATTENDEE" not in ics  # a subscription names nobody
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in ics  # the rule-based time zone


def test_a_staff_feed_has_the_deadlines_they_own_as_all_day_events(utrecht_office, policy):
    """Policy staff own the municipality's side of the founding steps (here step 3, the
    kartrekkers' meeting, as when step 2b has been held); POS staff own POS's side (2a, 2b)."""
    step = utrecht_office.steps.get(code=StepCode.KARTREKKERS)
    assert step.owner in MUNICIPALITY_SIDE
    step.due_date = dt.date(NEXT_YEAR, 2, 1)
    step.save(update_fields=["due_date"])
    pos_step = utrecht_office.steps.get(code=StepCode.INTRO_SCHEDULED)
    assert pos_step.due_date is not None
    assert pos_step.owner not in MUNICIPALITY_SIDE
    meeting = attend(MeetingFactory(office=utrecht_office, starts_at=WINTER), policy)
    agreement = Agreement.objects.create(
        meeting=meeting,
        description="Jeugdprogramma opzetten",
        owner_name="Els",
        owner_email="Els@Utrecht.example",
        due_on=dt.date(NEXT_YEAR, 3, 1),
    )
    Agreement.objects.create(
        meeting=meeting,
        description="Al gedaan",
        owner_name="Els",
        owner_email="els@utrecht.example",
        due_on=dt.date(NEXT_YEAR, 2, 1),
        done_on=dt.date(NEXT_YEAR, 1, 20),
    )
    feed = calendar_feed_renew(user=policy, by=policy)
    ics = fetch(feed).content.decode()
    by_icalendar, by_vobject = events_by_uid(ics), vevents_by_uid(ics)
    for uid, day in (
        (f"step-{step.pk}@sportloket", step.due_date),
        (f"agreement-{agreement.pk}@sportloket", agreement.due_on),
    ):
        assert by_icalendar[uid].decoded("DTSTART") == day  # a date: an all-day event
        assert by_icalendar[uid]["DTSTART"].params.get("VALUE") == "DATE"
        assert by_vobject[uid].dtstart.value == day
        assert by_vobject[uid].dtend.value == day + dt.timedelta(days=1)
    assert "Al gedaan" not in ics
    assert f"step-{pos_step.pk}@sportloket" not in by_icalendar

    pos = StaffProfileFactory(pos_staff=True).user
    pos_events = events_by_uid(fetch(calendar_feed_renew(user=pos, by=pos)).content.decode())
    assert pos_events[f"step-{pos_step.pk}@sportloket"].decoded("DTSTART") == pos_step.due_date
    assert f"step-{step.pk}@sportloket" not in pos_events


def test_a_club_supporter_sees_the_response_dates_of_their_questions():
    desk = DeskFactory(municipalities=[municipality("GM0344")])
    supporter = StaffProfileFactory(club_supporter=True, desk=desk).user
    colleague = StaffProfileFactory(club_supporter=True, desk=desk).user
    mine = SupportRequestFactory(desk=desk, assignee=supporter, deadline=dt.date(NEXT_YEAR, 1, 5))
    theirs = SupportRequestFactory(desk=desk, assignee=colleague)
    feed = calendar_feed_renew(user=supporter, by=supporter)
    events = vevents_by_uid(fetch(feed).content.decode())
    assert events[f"question-{mine.pk}@sportloket"].dtstart.value == dt.date(NEXT_YEAR, 1, 5)
    assert f"question-{theirs.pk}@sportloket" not in events
    assert "Kim de Boer" not in fetch(feed).content.decode()  # no requester's name


def test_a_new_address_revokes_the_old_one(policy):
    feed = calendar_feed_renew(user=policy, by=policy)
    old = feed_token(feed)
    assert fetch(feed).status_code == 200
    renewed = calendar_feed_renew(user=policy, by=policy)
    assert renewed.pk == feed.pk
    assert feed_token(renewed) != old
    assert Client().get(f"/agenda/{old}.ics").status_code == 404
    assert fetch(renewed).status_code == 200
    assert AuditEvent.objects.filter(action="calendar_feed_renewed").count() == 1


@pytest.mark.parametrize(
    "address",
    ["/agenda/x.ics", "/agenda/1-abc.ics", "/agenda/999999-" + "0" * 40 + ".ics"],
)
def test_an_address_that_is_not_a_feed_is_not_found(policy, address):
    calendar_feed_renew(user=policy, by=policy)
    assert Client().get(address).status_code == 404


def test_the_secret_is_not_stored_in_the_database(policy):
    feed = calendar_feed_renew(user=policy, by=policy)
    secret = feed_token(feed).split("-", 1)[1]
    row = CalendarFeed.objects.filter(pk=feed.pk).values().get()
    assert secret not in str(row)
    with override_settings(SECRET_KEY="another-key"):  # a copy of the database elsewhere
        assert feed_token(feed).split("-", 1)[1] != secret


def test_a_feed_of_a_blocked_account_stops(policy):
    feed = calendar_feed_renew(user=policy, by=policy)
    policy.is_active = False
    policy.save()
    assert fetch(feed).status_code == 404


def test_another_municipalitys_data_is_never_in_a_feed(utrecht_office, amsterdam_office, policy):
    """Els of Utrecht is on the list of an Amsterdam meeting and named owner of an agreement
    there: neither is hers to see, so neither is in her feed; nor Amsterdam's deadlines."""
    ours = attend(MeetingFactory(office=utrecht_office, starts_at=WINTER), policy)
    theirs = attend(
        MeetingFactory(office=amsterdam_office, starts_at=WINTER, title="Amsterdams overleg"),
        policy,
    )
    Agreement.objects.create(
        meeting=theirs,
        description="Amsterdamse afspraak",
        owner_name="Els",
        owner_email="els@utrecht.example",
        due_on=dt.date(NEXT_YEAR, 3, 1),
    )
    desk = DeskFactory(municipalities=[municipality("GM0344")])
    other_desk = DeskFactory(municipalities=[municipality("GM0363")])
    desk_meeting = MeetingFactory(desk=desk, starts_at=SUMMER)
    MeetingFactory(desk=other_desk, starts_at=SUMMER, title="Overleg loket Amsterdam")

    ics = fetch(calendar_feed_renew(user=policy, by=policy)).content.decode()
    assert meeting_uid(ours) in ics
    assert meeting_uid(theirs) not in ics
    assert "Amsterdams overleg" not in ics
    assert "Amsterdamse afspraak" not in ics
    assert all(f"step-{s.pk}@" not in ics for s in amsterdam_office.steps.all())

    desk_ics = fetch(calendar_feed_renew(desk=desk, by=policy)).content.decode()
    assert meeting_uid(desk_meeting) in desk_ics
    assert "Overleg loket Amsterdam" not in desk_ics
    office_ics = fetch(calendar_feed_renew(office=utrecht_office, by=policy)).content.decode()
    assert meeting_uid(ours) in office_ics
    assert "Amsterdams overleg" not in office_ics


def _queries(feed) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert fetch(feed).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_the_events(utrecht_office, policy):
    desk = DeskFactory(municipalities=[municipality("GM0344")])
    supporter = StaffProfileFactory(club_supporter=True, desk=desk, user__email="c@x.example")

    def add(n: int):
        for i in range(n):
            meeting = attend(
                MeetingFactory(office=utrecht_office, starts_at=WINTER + dt.timedelta(days=i)),
                policy,
            )
            Agreement.objects.create(
                meeting=meeting,
                description=f"Afspraak {i}",
                owner_name="Els",
                owner_email=policy.email,
                due_on=dt.date(NEXT_YEAR, 3, 1),
            )
            MeetingFactory(desk=desk, starts_at=SUMMER + dt.timedelta(days=i))
            SupportRequestFactory(desk=desk, assignee=supporter.user)

    feeds = [
        calendar_feed_renew(user=policy, by=policy),
        calendar_feed_renew(user=supporter.user, by=policy),
        calendar_feed_renew(desk=desk, by=policy),
        calendar_feed_renew(office=utrecht_office, by=policy),
    ]
    add(2)
    few = [_queries(feed) for feed in feeds]
    add(10)
    assert [_queries(feed) for feed in feeds] == few
    assert len(vevents_by_uid(fetch(feeds[0]).content.decode())) >= 24


@override_settings(SPORTLOKET_FEED_RATE=3)
def test_fetches_are_limited_per_feed(policy):
    feed = calendar_feed_renew(user=policy, by=policy)
    assert [fetch(feed).status_code for _ in range(4)] == [200, 200, 200, 429]
    other = calendar_feed_renew(user=StaffProfileFactory(policy_staff=True).user, by=policy)
    assert fetch(other).status_code == 200  # another feed has its own budget


@override_settings(SPORTLOKET_FEED_ADDRESS_RATE=3)
def test_guessing_addresses_is_limited_per_client_address(policy):
    statuses = [Client().get(f"/agenda/1-{i:040d}.ics").status_code for i in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_the_feed_needs_no_login_and_starts_no_session(policy):
    response = fetch(calendar_feed_renew(user=policy, by=policy))
    assert response.status_code == 200
    assert "sessionid" not in response.cookies


# --- The pages with the addresses -------------------------------------------------------------


def test_a_staff_member_makes_and_renews_their_address(client, policy):
    client.force_login(policy)
    page = client.get("/agenda/")
    assert page.status_code == 200
    assert "Abonnementsadres maken" in page.content.decode()
    made = client.post("/agenda/", follow=True)
    assert "Het abonnementsadres is gemaakt." in made.content.decode()
    feed = CalendarFeed.objects.get(user=policy)
    webcal, https = feed_urls(feed)
    assert webcal.startswith("webcal://")
    assert webcal.endswith(".ics")
    html = client.get("/agenda/").content.decode()
    assert webcal in html
    assert "Nieuw adres" in html
    old = feed_token(feed)
    response = client.post("/agenda/", follow=True)
    assert "Het oude adres werkt niet meer" in response.content.decode()
    feed.refresh_from_db()
    assert feed_token(feed) != old
    assert old not in response.content.decode()


def test_the_desk_page_shows_the_desks_address_to_its_club_supporters(client):
    desk = DeskFactory()
    supporter = StaffProfileFactory(club_supporter=True, desk=desk).user
    client.force_login(supporter)
    client.post("/loket/agenda/")
    feed = CalendarFeed.objects.get(desk=desk)
    assert feed_urls(feed)[0] in client.get("/loket/agenda/").content.decode()


def test_the_office_page_is_for_those_who_manage_the_office(client, utrecht_office, policy):
    client.force_login(policy)
    assert client.post(f"/pos-kantoren/{utrecht_office.pk}/agenda/").status_code == 302
    assert CalendarFeed.objects.filter(office=utrecht_office).exists()
    outsider = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0363")).user
    client.force_login(outsider)
    assert client.get(f"/pos-kantoren/{utrecht_office.pk}/agenda/").status_code == 404
    assert client.post(f"/pos-kantoren/{utrecht_office.pk}/agenda/").status_code == 404
