"""The desk hears about its work, changes status along the workflow, sorts and finds questions."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from meetings import tasks
from meetings.models import DeskOverviewNotice, DeskOverviewOptOut, SupportRequest
from meetings.support import notices, services
from meetings.support.constants import Channel, Priority, SupportStatus
from meetings.support.workdays import is_working_day
from sportloket.models import AuditEvent
from tests.factories import ProviderFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("meetings:board")
SETTINGS = reverse("meetings:desk_overview_settings")


def make_request(desk, provider=None, **kwargs):
    return services.support_request_create(
        desk=desk,
        provider=provider or ProviderFactory(),
        subject=kwargs.pop("subject", "Vrijwilligers"),
        question=kwargs.pop("question", "Hoe vinden we vrijwilligers?"),
        channel=Channel.PHONE,
        **kwargs,
    )


def due(request, on):
    SupportRequest.objects.filter(pk=request.pk).update(deadline=on)


def board_ids(client, query=""):
    response = client.get(f"{BOARD}?{query}")
    assert response.status_code == 200
    return [int(pk) for pk in re.findall(r'id="row-(\d+)"', response.content.decode())]


# --- Information from the requester ----------------------------------------------------------


def test_requester_information_emails_the_assignee_and_marks_the_board(
    client, desk, supporter, colleague, django_capture_on_commit_callbacks
):
    request = make_request(desk, subject="Subsidie zwembad")
    services.support_request_assign(request=request, assignee=supporter, by=colleague)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(request.get_public_url(), {"text": "Ons KvK-nummer is 12345678."})
    assert [m.to for m in mail.outbox] == [[supporter.email]]
    assert "Nieuwe informatie bij vraag" in mail.outbox[0].subject
    assert "Ons KvK-nummer is 12345678." in mail.outbox[0].body
    assert request.get_absolute_url() in mail.outbox[0].body
    client.force_login(supporter)
    row = client.get(BOARD).content.decode()
    assert "nieuwe informatie" in row


def test_requester_information_on_an_unassigned_question_goes_to_the_desk(
    client, desk, supporter, colleague, django_capture_on_commit_callbacks
):
    request = make_request(desk)
    StaffProfileFactory(club_supporter=True, desk=desk, user__is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(request.get_public_url(), {"text": "Nog een vraag erbij."})
    assert sorted(mail.outbox[0].to) == sorted([supporter.email, colleague.email])


def test_the_mark_stays_until_the_desk_acts_on_the_question(client, desk, supporter):
    request = make_request(desk)
    services.support_request_provider_message(request=request, text="Aanvulling")
    request.refresh_from_db()
    assert request.new_info_at is not None
    services.support_request_message(request=request, text="Dank u", public=True, by=supporter)
    request.refresh_from_db()
    assert request.new_info_at is None


def test_refused_requester_message_sends_nothing_and_marks_nothing(desk, supporter):
    request = make_request(desk)
    services.support_request_transition(request=request, to="rejected", by=supporter)
    with pytest.raises(services.DomainError):
        services.support_request_provider_message(request=request, text="Nog iets")
    request.refresh_from_db()
    assert request.new_info_at is None
    assert mail.outbox == []


# --- Daily overview --------------------------------------------------------------------------

KINGS_DAY = dt.date(2026, 4, 27)  # a Monday and a Dutch public holiday (Koningsdag)


def _today_is(monkeypatch, day: dt.date) -> None:
    """``timezone.localdate()`` answers ``day``; a call with a moment still converts it."""
    real = timezone.localdate
    monkeypatch.setattr(
        timezone, "localdate", lambda value=None, tz=None: day if value is None else real(value, tz)
    )


@pytest.fixture
def working_today(monkeypatch):
    """Today, or the next working day when the tests run on a weekend or a public holiday:
    the overview is sent on working days only."""
    day = timezone.localdate()
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    _today_is(monkeypatch, day)
    return day


@pytest.mark.parametrize(
    "day",
    [dt.date(2026, 4, 25), dt.date(2026, 4, 26), KINGS_DAY, dt.date(2026, 12, 25)],
    ids=["saturday", "sunday", "kings-day", "christmas"],
)
def test_daily_overview_is_not_sent_on_a_weekend_or_a_dutch_public_holiday(
    monkeypatch, desk, supporter, day, django_capture_on_commit_callbacks
):
    """Same calendar as the response deadlines ("werkdagen"): a weekend or a public holiday
    brings no overview, also when something is overdue."""
    _today_is(monkeypatch, day)
    due(make_request(desk), day - dt.timedelta(days=3))
    assert not is_working_day(day)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.desk_overviews() == 0
    assert not DeskOverviewNotice.objects.exists()
    assert mail.outbox == []


def test_daily_overview_comes_again_on_the_working_day_after_a_holiday(
    monkeypatch, desk, supporter, django_capture_on_commit_callbacks
):
    request = make_request(desk)
    due(request, KINGS_DAY)
    _today_is(monkeypatch, KINGS_DAY + dt.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.desk_overviews() == 1
    assert DeskOverviewNotice.objects.get().on == dt.date(2026, 4, 28)
    assert "Termijn verstreken" in mail.outbox[0].body


def test_a_claim_for_a_holiday_is_closed_unsent(monkeypatch, desk, supporter):
    """A claim made for a day that is not a working day (e.g. by an older release) is closed."""
    due(make_request(desk), KINGS_DAY)
    _today_is(monkeypatch, KINGS_DAY)
    notice = DeskOverviewNotice.objects.create(
        user=supporter, on=KINGS_DAY, claim="old", created_at=timezone.now()
    )
    assert notices.desk_overviews_send(notice_ids=[notice.pk]) == 0
    notice.refresh_from_db()
    assert notice.closed_at is not None
    assert mail.outbox == []


@pytest.mark.usefixtures("working_today")
def test_daily_overview_run_twice_sends_each_supporter_one_email(
    desk, supporter, colleague, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    mine = make_request(desk, subject="Te laat bij mij")
    services.support_request_assign(request=mine, assignee=supporter, by=supporter)
    due(mine, today - dt.timedelta(days=2))
    unassigned = make_request(desk, subject="Vandaag zonder behandelaar")
    due(unassigned, today)
    later = make_request(desk, subject="Pas volgende week")
    due(later, today + dt.timedelta(days=7))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.desk_overviews() == 2
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.desk_overviews() == 0
    assert DeskOverviewNotice.objects.count() == 2
    by_person = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_person) == sorted([supporter.email, colleague.email])
    mine_mail = by_person[supporter.email].body
    assert "Te laat bij mij" in mine_mail
    assert "Vandaag zonder behandelaar" in mine_mail
    assert "Pas volgende week" not in mine_mail
    assert mine_mail.index("Termijn verstreken") < mine_mail.index("Termijn loopt vandaag af")
    # Another person's question is not in a colleague's overview.
    assert "Te laat bij mij" not in by_person[colleague.email].body


@pytest.mark.usefixtures("working_today")
def test_daily_overview_skips_people_with_nothing_due_and_those_who_switched_it_off(
    desk, supporter, colleague, django_capture_on_commit_callbacks
):
    request = make_request(desk)
    due(request, timezone.localdate())
    notices.desk_overview_set(user=colleague, enabled=False)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.desk_overviews() == 1
    assert [m.to for m in mail.outbox] == [[supporter.email]]
    # A question in the waiting state is not owed by the desk: no overview for it.
    DeskOverviewNotice.objects.all().delete()
    mail.outbox.clear()
    services.support_request_transition(request=request, to="waiting", by=supporter)
    assert tasks.desk_overviews() == 0


@pytest.mark.usefixtures("working_today")
def test_daily_overview_claimed_but_never_sent_is_sent_once_by_a_later_sweep(
    desk, supporter, django_capture_on_commit_callbacks
):
    due(make_request(desk), timezone.localdate())
    first = notices.desk_overviews_sweep()  # the worker dies before it sends
    assert len(first.claimed) == 1
    later = notices.desk_overviews_sweep(now=timezone.now() + dt.timedelta(minutes=6))
    assert later.claimed == []
    assert later.resend == first.claimed
    with django_capture_on_commit_callbacks(execute=True):
        assert notices.desk_overviews_send(notice_ids=later.resend) == 1
        assert notices.desk_overviews_send(notice_ids=first.claimed) == 0
    assert len(mail.outbox) == 1


@pytest.mark.usefixtures("working_today")
def test_daily_overview_claim_is_closed_when_switched_off_before_the_send(desk, supporter):
    due(make_request(desk), timezone.localdate())
    result = notices.desk_overviews_sweep()
    notices.desk_overview_set(user=supporter, enabled=False)
    assert notices.desk_overviews_send(notice_ids=result.claimed) == 0
    notice = DeskOverviewNotice.objects.get()
    assert notice.closed_at is not None
    assert notice.emailed_at is None
    assert mail.outbox == []


@pytest.mark.usefixtures("working_today")
def test_daily_overview_sweep_runs_a_fixed_number_of_queries(
    desk, supporter, django_assert_max_num_queries
):
    for _ in range(3):
        StaffProfileFactory(club_supporter=True, desk=desk)
    for _ in range(5):
        due(make_request(desk), timezone.localdate())
    with django_assert_max_num_queries(8):
        result = notices.desk_overviews_sweep()
    assert len(result.claimed) == 4  # the three and the supporter fixture


def test_daily_overview_is_in_the_beat_schedule_on_working_days():
    entry = settings.CELERY_BEAT_SCHEDULE["support-desk-overviews"]
    assert entry["task"] == "meetings.tasks.desk_overviews"
    assert entry["schedule"].day_of_week == {1, 2, 3, 4, 5}


def test_overview_settings_page_switches_off_and_on_with_an_audit_event(client, supporter):
    client.force_login(supporter)
    page = client.get(SETTINGS).content.decode()
    assert "Stuur mij het dagoverzicht" in page
    assert re.search(r'name="enabled"[^>]*checked', page)
    response = client.post(SETTINGS, {}, follow=True)
    assert "Het dagoverzicht is uitgezet." in response.content.decode()
    assert DeskOverviewOptOut.objects.filter(user=supporter).exists()
    assert not re.search(r'name="enabled"[^>]*checked', response.content.decode())
    client.post(SETTINGS, {"enabled": "on"})
    assert not DeskOverviewOptOut.objects.filter(user=supporter).exists()
    events = AuditEvent.objects.filter(
        content_type=ContentType.objects.get_for_model(supporter), object_id=str(supporter.pk)
    ).order_by("pk")
    assert [e.action for e in events] == ["desk_overview.disabled", "desk_overview.enabled"]
    assert all(e.actor_id == supporter.pk for e in events)
    # Saving the same choice again is no change and leaves no audit event.
    client.post(SETTINGS, {"enabled": "on"})
    assert events.count() == 2


def test_overview_settings_page_is_for_club_supporters_only(client, desk):
    policy = StaffProfileFactory(policy_staff=True).user
    client.force_login(policy)
    assert client.get(SETTINGS).status_code in (403, 404)
    assert client.post(SETTINGS, {}).status_code in (403, 404)
    assert not DeskOverviewOptOut.objects.exists()


# --- Status control ----------------------------------------------------------------------------


def status_options(client, request) -> list[tuple[str, str, bool]]:
    page = client.get(request.get_absolute_url()).content.decode()
    select = re.search(r'<select name="status".*?</select>', page, re.S)
    if select is None:
        return []
    return [
        (value, label.strip(), bool(selected))
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select.group(0)
        )
    ]


def test_status_control_starts_on_the_current_status_and_offers_only_allowed_changes(
    client, desk, supporter
):
    request = make_request(desk)
    services.support_request_transition(request=request, to="waiting", by=supporter)
    client.force_login(supporter)
    options = status_options(client, request)
    assert options[0] == ("", "Wacht op aanbieder (huidige status)", True)
    assert [value for value, _label, _sel in options[1:]] == ["triaged", "resolved", "closed"]
    assert not any("Nieuw" in label for _value, label, _sel in options)


def test_handed_over_question_explains_resolve_then_close(client, desk, supporter, partner_org):
    request = make_request(desk)
    services.handover_create(request=request, organisation=partner_org, note="Graag", by=supporter)
    handover = request.handovers.get()
    partner = StaffProfileFactory(club_supporter=True, organisation=partner_org).user
    services.handover_accept(handover=handover, by=partner)
    client.force_login(supporter)
    options = status_options(client, request)
    values = [value for value, _label, _sel in options]
    assert "closed" not in values
    assert "resolved" in values
    page = client.get(request.get_absolute_url()).content.decode()
    assert "Om de status “Gesloten” te geven, wijzig hem eerst naar “Opgelost”." in page
    # A POST of the refused change names the way through and saves nothing.
    response = client.post(
        reverse("meetings:request_action", args=[request.pk, "status"]), {"status": "closed"}
    )
    assert response.status_code == 400
    assert "wijzig hem eerst naar “Opgelost”" in response.content.decode()
    request.refresh_from_db()
    assert request.status == SupportStatus.HANDED_OVER


def test_status_control_is_replaced_by_an_explanation_while_a_handover_is_pending(
    client, desk, supporter, partner_org
):
    request = make_request(desk)
    services.handover_create(request=request, organisation=partner_org, note="Graag", by=supporter)
    client.force_login(supporter)
    assert status_options(client, request) == []
    assert "wacht op het antwoord van de ontvangende organisatie" in (
        client.get(request.get_absolute_url()).content.decode()
    )


def test_status_control_without_a_choice_says_choose(client, desk, supporter):
    request = make_request(desk)
    client.force_login(supporter)
    response = client.post(reverse("meetings:request_action", args=[request.pk, "status"]), {})
    assert response.status_code == 400
    assert "Kies de nieuwe status." in response.content.decode()


# --- Sorting and finding -----------------------------------------------------------------------


def test_board_sorts_by_received_activity_and_priority(client, desk, supporter):
    first = make_request(desk, subject="Eerste")
    second = make_request(desk, subject="Tweede", priority=Priority.URGENT)
    third = make_request(desk, subject="Derde", priority=Priority.LOW)
    now = timezone.now()
    for i, request in enumerate([first, second, third]):
        SupportRequest.objects.filter(pk=request.pk).update(
            created_at=now - dt.timedelta(days=3 - i)
        )
    services.support_request_message(request=first, text="Bijgewerkt", public=False, by=supporter)
    client.force_login(supporter)
    assert board_ids(client, "sort=-received") == [third.pk, second.pk, first.pk]
    assert board_ids(client, "sort=received") == [first.pk, second.pk, third.pk]
    assert board_ids(client, "sort=-activity")[0] == first.pk
    assert board_ids(client, "sort=activity")[-1] == first.pk
    assert board_ids(client, "sort=-priority") == [second.pk, first.pk, third.pk]


def test_board_search_finds_subject_question_and_provider_name(client, desk, supporter):
    swimming = make_request(desk, subject="Subsidie zwembad")
    volunteers = make_request(desk, question="Wij zoeken trainers voor de jeugd.")
    by_name = make_request(desk, provider=ProviderFactory(name="Hockeyclub De Kraaien"))
    other = make_request(desk, subject="Iets anders", question="Geen match hier")
    client.force_login(supporter)
    assert board_ids(client, "q=zwembad") == [swimming.pk]
    assert board_ids(client, "q=trainers") == [volunteers.pk]
    assert board_ids(client, "q=kraaien") == [by_name.pk]
    assert other.pk not in board_ids(client, "q=zwembad+trainers")
    assert board_ids(client, "q=") == sorted(
        [swimming.pk, volunteers.pk, by_name.pk, other.pk],
        key=lambda pk: (SupportRequest.objects.get(pk=pk).deadline, pk),
    )


def test_board_search_stays_in_the_desk(client, desk, supporter):
    from tests.factories import DeskFactory

    mine = make_request(desk, subject="Zwembad hier")
    make_request(DeskFactory(name="Ander loket"), subject="Zwembad daar")
    client.force_login(supporter)
    assert board_ids(client, "q=zwembad") == [mine.pk]


def test_board_with_search_and_sort_runs_a_fixed_number_of_queries(
    client, desk, supporter, django_assert_max_num_queries
):
    for i in range(30):
        make_request(desk, subject=f"Zwembad {i}")
    client.force_login(supporter)
    client.get(BOARD)
    with django_assert_max_num_queries(12):
        response = client.get(f"{BOARD}?q=zwembad&sort=-activity")
    assert len(re.findall(r'id="row-\d+"', response.content.decode())) == 25


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_postgres_search_stems_dutch_words_and_reads_the_gin_index(desk, supporter):
    from meetings.support.selectors import search_q

    pool = make_request(desk, subject="Subsidie voor zwembaden")
    make_request(desk, subject="Iets anders")
    assert list(SupportRequest.objects.filter(search_q("zwembad"))) == [pool]
    with CaptureQueriesContext(connection) as queries:
        search_q("zwembad")
    (search,) = [q["sql"] for q in queries.captured_queries if "to_tsvector" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {search}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "sr_search" in plan


# --- "New information only" on the board -----------------------------------------------------


def _with_new_information(request, text="Aanvulling van de aanvrager"):
    services.support_request_provider_message(request=request, text=text)


def test_board_new_information_only_shows_what_the_desk_has_not_seen(client, desk, supporter):
    """ "… the question marked on the board" when a requester adds information: the filter
    keeps exactly the marked questions, and a question leaves it when the desk acts on it."""
    plain = make_request(desk, subject="Niets nieuws")
    told = make_request(desk, subject="Nieuwe info")
    answered = make_request(desk, subject="Al beantwoord")
    _with_new_information(told)
    _with_new_information(answered)
    services.support_request_message(request=answered, text="Dank u", public=True, by=supporter)
    client.force_login(supporter)
    assert board_ids(client, "new_info=true") == [told.pk]
    assert sorted(board_ids(client)) == sorted([plain.pk, told.pk, answered.pk])
    assert sorted(board_ids(client, "new_info=false")) == sorted(board_ids(client))
    page = client.get(BOARD).content.decode()
    assert "Alleen nieuwe informatie" in page
    assert 'name="new_info"' in page


def test_board_new_information_only_combines_with_other_filters_and_sorts(
    client, desk, supporter, colleague
):
    mine = make_request(desk, subject="Van mij")
    theirs = make_request(desk, subject="Van een collega")
    services.support_request_assign(request=mine, assignee=supporter, by=supporter)
    services.support_request_assign(request=theirs, assignee=colleague, by=colleague)
    for request in (mine, theirs):
        _with_new_information(request)
    due(mine, timezone.localdate() + dt.timedelta(days=9))
    client.force_login(supporter)
    assert board_ids(client, "new_info=true&assignee=me") == [mine.pk]
    assert board_ids(client, "new_info=true&sort=-deadline") == [mine.pk, theirs.pk]
    assert board_ids(client, "new_info=true&q=collega") == [theirs.pk]


def test_board_new_information_only_stays_within_the_desk(client, desk, supporter):
    from tests.factories import DeskFactory

    elsewhere = make_request(DeskFactory(name="Ander loket"), subject="Daar")
    _with_new_information(elsewhere)
    client.force_login(supporter)
    assert board_ids(client, "new_info=true") == []


def test_board_new_information_with_a_bad_value_is_ignored_not_an_error(client, desk, supporter):
    make_request(desk)
    client.force_login(supporter)
    response = client.get(f"{BOARD}?new_info=misschien")
    assert response.status_code == 200
    assert len(re.findall(r'id="row-\d+"', response.content.decode())) == 1


def test_board_new_information_only_runs_as_many_queries_as_the_board(
    client, desk, supporter, django_assert_num_queries
):
    for i in range(30):
        request = make_request(desk, subject=f"Vraag {i}")
        _with_new_information(request)
    client.force_login(supporter)
    client.get(BOARD)
    with CaptureQueriesContext(connection) as plain:
        client.get(BOARD)
    with django_assert_num_queries(len(plain.captured_queries)):
        response = client.get(f"{BOARD}?new_info=true")
    assert len(re.findall(r'id="row-\d+"', response.content.decode())) == 25


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner")
def test_board_new_information_only_reads_its_partial_index(desk, supporter):
    from meetings.support.filters import SupportRequestFilter
    from meetings.support.selectors import board_options, board_queryset

    _with_new_information(make_request(desk))
    qs = SupportRequestFilter(
        {"new_info": "true"},
        queryset=board_queryset(user=supporter),
        options=board_options(user=supporter),
        user=supporter,
    ).qs[:25]
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "sr_desk_new_info" in plan, plan
