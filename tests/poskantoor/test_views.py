"""Pages: the public interest form, permissions per role, the office page, step completion."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from poskantoor import services
from poskantoor.constants import MemberKind, OfficeStatus
from poskantoor.models import (
    CoreGroupMember,
    InterestRegistration,
    MappingStatement,
    PosOffice,
)
from poskantoor.selectors import open_step
from sportloket.constants import Role
from sportloket.models import Municipality
from sportloket.tokens import make_token
from tests.factories import DeskFactory, ProviderFactory, municipality

from .factories import CoreGroupMemberFactory, make_office

pytestmark = pytest.mark.django_db

FORM_URL = "/pos-kantoor/aanmelden/"


def form_data(**overrides):
    return {
        "municipality": municipality("GM0307").pk,
        "organisation_name": "Gemeente Amersfoort",
        "contact_name": "Lotte Visser",
        "email": "lotte@amersfoort.example",
        "phone": "033 123 45 67",
        "message": "Graag!",
        "privacy_consent": "on",
        **overrides,
    }


# --- Public interest form -------------------------------------------------------------------


def test_interest_form_registers_and_mails_a_confirmation_link(
    client, django_capture_on_commit_callbacks
):
    assert client.get(FORM_URL).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(FORM_URL, form_data())
    assert response.status_code == 302
    assert response.url == reverse("poskantoor:interest_sent")
    assert InterestRegistration.objects.get().confirmed_at is None
    assert len(mail.outbox) == 1


def test_invalid_form_keeps_what_was_typed_and_stores_nothing(client):
    response = client.post(FORM_URL, form_data(email="geen-adres", privacy_consent=""))
    assert response.status_code == 400
    content = response.content.decode()
    assert "Vul een geldig e-mailadres in" in content
    assert "Ga akkoord met de privacyverklaring om verder te gaan." in content
    assert "Lotte Visser" in content
    assert not InterestRegistration.objects.exists()


def test_honeypot_pretends_success_and_stores_nothing(client):
    response = client.post(FORM_URL, form_data(website_url="http://spam.example"))
    assert response.status_code == 302
    assert not InterestRegistration.objects.exists()
    assert mail.outbox == []


def test_municipality_with_an_office_gets_a_clear_message(client):
    make_office("GM0307")
    response = client.post(FORM_URL, form_data())
    assert response.status_code == 400
    assert "Amersfoort heeft al een POS-kantoor" in response.content.decode()


def test_too_many_posts_get_a_friendly_429(client, settings):
    settings.SPORTLOKET_PUBLIC_FORM_RATE = 2
    for _ in range(2):
        client.post(FORM_URL, form_data(email="x"))
    assert client.post(FORM_URL, form_data()).status_code == 429
    assert not InterestRegistration.objects.exists()


def test_confirmation_link_shows_a_button_and_post_starts_the_office(client, pos_staff):
    registration = services.interest_register(
        data={
            "municipality": municipality("GM0307"),
            "organisation_name": "Gemeente",
            "contact_name": "Lotte",
            "email": "lotte@amersfoort.example",
        }
    )
    url = reverse(
        "poskantoor:interest_confirm", args=[make_token("pos-interest-confirm", registration.pk)]
    )
    assert client.get(url).status_code == 200
    assert not PosOffice.objects.exists()  # a GET (mail scanner) confirms nothing
    response = client.post(url)
    assert "is bevestigd" in response.content.decode()
    office = PosOffice.objects.get()
    assert office.current_step == "2a"


def test_expired_confirmation_link_asks_to_register_again(client, settings):
    registration = services.interest_register(
        data={
            "municipality": municipality("GM0307"),
            "organisation_name": "Gemeente",
            "contact_name": "Lotte",
            "email": "lotte@amersfoort.example",
        }
    )
    settings.SPORTLOKET_CONFIRMATION_MAX_AGE = -1
    url = reverse(
        "poskantoor:interest_confirm", args=[make_token("pos-interest-confirm", registration.pk)]
    )
    response = client.post(url)
    assert "Deze link is verlopen" in response.content.decode()
    assert not PosOffice.objects.exists()


def test_forged_confirmation_link_is_refused(client):
    response = client.post(reverse("poskantoor:interest_confirm", args=["forged"]))
    assert response.status_code == 200
    assert "niet geldig" in response.content.decode()
    assert not PosOffice.objects.exists()


# --- Permissions ----------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, office):
    for url in (reverse("poskantoor:list"), office.get_absolute_url()):
        response = client.get(url)
        assert response.status_code == 302
        assert "/account/login/" in response.url


def test_policy_staff_sees_only_their_own_office(client, policy_staff, office):
    other = make_office("GM0307")
    client.force_login(policy_staff)
    assert client.get(office.get_absolute_url()).status_code == 200
    assert client.get(other.get_absolute_url()).status_code == 404
    listing = client.get(reverse("poskantoor:list")).content.decode()
    assert "Utrecht" in listing
    assert "Amersfoort" not in listing


def test_pos_staff_sees_all_offices(client, pos_staff, office):
    other = make_office("GM0307")
    client.force_login(pos_staff)
    assert client.get(other.get_absolute_url()).status_code == 200
    listing = client.get(reverse("poskantoor:list")).content.decode()
    assert "Utrecht" in listing
    assert "Amersfoort" in listing


def test_club_supporter_reads_offices_of_the_desk_municipalities_only(
    client, user_for_role, office
):
    other = make_office("GM0307")
    desk = DeskFactory(municipalities=[municipality("GM0344")])
    supporter = user_for_role(Role.CLUB_SUPPORTER, desk=desk)
    client.force_login(supporter)
    page = client.get(office.get_absolute_url())
    assert page.status_code == 200
    assert "Deze stap afronden" not in page.content.decode()
    assert client.get(other.get_absolute_url()).status_code == 404
    step = open_step(office=office, code="2a")
    url = reverse("poskantoor:step_complete", args=[office.pk, step.pk])
    assert client.post(url, {"planned_on": "2026-02-02"}).status_code == 403
    assert client.post(reverse("poskantoor:member_add", args=[office.pk]), {}).status_code == 403


def test_policy_staff_cannot_complete_a_step_of_another_municipality(client, policy_staff):
    other = make_office("GM0307")
    step = open_step(office=other, code="2a")
    client.force_login(policy_staff)
    url = reverse("poskantoor:step_complete", args=[other.pk, step.pk])
    assert client.post(url, {"planned_on": "2026-02-02"}).status_code == 404
    step.refresh_from_db()
    assert step.completed_on is None


# --- Office page and actions ----------------------------------------------------------------


def test_office_page_shows_timeline_next_action_and_conditions(client, pos_staff, office):
    client.force_login(pos_staff)
    content = client.get(office.get_absolute_url()).content.decode()
    today = timezone.localdate()
    overdue = (today - dt.date(2026, 2, 14)).days
    assert "Volgende actie" in content
    assert f"{overdue} dagen te laat" in content
    assert "Eigenaar: POS" in content
    assert "Basisvoorwaarden" in content
    assert 'data-state="overdue"' in content


def test_completing_a_step_is_one_action_with_a_date(client, pos_staff, office):
    client.force_login(pos_staff)
    step = open_step(office=office, code="2a")
    url = reverse("poskantoor:step_complete", args=[office.pk, step.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"planned_on": "2026-02-05", "evidence_note": "Ingepland"})
    assert response.status_code == 302
    step.refresh_from_db()
    # 2a applies to the planning: planning it meets its deadline.
    assert (step.planned_on, step.held_on, step.completed_on) == (
        dt.date(2026, 2, 5),
        None,
        dt.date(2026, 2, 5),
    )
    assert step.completed_by == pos_staff


def test_refused_completion_shows_the_reason_and_saves_nothing(client, pos_staff, office):
    client.force_login(pos_staff)
    step = open_step(office=office, code="2b")
    url = reverse("poskantoor:step_complete", args=[office.pk, step.pk])
    response = client.post(url, {"held_on": "2026-02-05"})
    assert response.status_code == 400
    assert "Rond eerst stap 2a af." in response.content.decode()
    step.refresh_from_db()
    assert step.completed_on is None


def test_bad_date_is_a_form_error_not_a_500(client, pos_staff, office):
    client.force_login(pos_staff)
    step = open_step(office=office, code="2a")
    url = reverse("poskantoor:step_complete", args=[office.pk, step.pk])
    response = client.post(url, {"planned_on": "31-31-2026"})
    assert response.status_code == 400
    assert "Vul een geldige datum in." in response.content.decode()


def test_step_3_completion_page_sends_to_the_joint_decision_and_saves_nothing(
    client, pos_staff, advance, office
):
    """Step 3 is "Deze lokale kerngroep en POS besluiten gezamenlijk": one side can no longer
    complete it (and end the office) on its own; the page sends to the decision form."""
    advance(office, ("2a", dt.date(2026, 2, 2)), ("2b", dt.date(2026, 2, 3)))
    client.force_login(pos_staff)
    step = open_step(office=office, code="3")
    url = reverse("poskantoor:step_complete", args=[office.pk, step.pk])
    decide = reverse("poskantoor:decision_propose", args=[office.pk])
    assert client.get(url)["Location"] == decide
    response = client.post(
        url,
        {"held_on": "2026-03-01", "decision": "no_go_stop", "stop_reason": "Geen draagvlak"},
    )
    assert response["Location"] == decide
    office.refresh_from_db()
    assert office.status != OfficeStatus.STOPPED
    assert open_step(office=office, code="3") is not None


def test_core_group_member_add_and_remove(client, policy_staff, office):
    provider = ProviderFactory(municipality=office.municipality)
    client.force_login(policy_staff)
    url = reverse("poskantoor:member_add", args=[office.pk])
    assert client.get(url).status_code == 200
    data = {
        "name": "Kim",
        "kind": MemberKind.ENTREPRENEUR,
        "hours_per_week": "2",
        "committed_from": "2026-01-01",
        "committed_until": "2028-01-01",
    }
    response = client.post(url, data)
    assert "moet aan een sportaanbieder gekoppeld" in response.content.decode()
    assert not CoreGroupMember.objects.exists()
    response = client.post(url, {**data, "provider": provider.pk})
    assert response.status_code == 302
    member = CoreGroupMember.objects.get()
    remove = reverse("poskantoor:member_remove", args=[office.pk, member.pk])
    assert client.post(remove).status_code == 302
    assert not CoreGroupMember.objects.exists()


def test_start_session_is_recorded_from_the_office_page(client, pos_staff, office, advance):
    advance(
        office,
        ("2a", dt.date(2026, 2, 2)),
        ("2b", dt.date(2026, 2, 3)),
        ("3", dt.date(2026, 3, 1)),
        ("4", dt.date(2026, 4, 1)),
    )
    client.force_login(pos_staff)
    url = reverse("poskantoor:start_session", args=[office.pk])
    response = client.post(url, {"topic": "short_term_goals", "held_on": "2026-04-10"})
    assert response.status_code == 302
    assert office.start_sessions.count() == 1
    response = client.post(
        url, {"topic": "short_term_goals", "held_on": "2026-04-01", "evidence_note": "Zaal 2"}
    )
    # The office page again (400), the refusal at the start-session form with what was typed.
    assert response.status_code == 400
    page = response.content.decode()
    assert "niet eerder" in page
    assert "Zaal 2" in page
    assert "data-refusal" not in page
    assert office.start_sessions.count() == 1


def test_an_invalid_version_move_is_the_office_page_with_the_message_at_the_top(
    client, pos_staff, office
):
    client.force_login(pos_staff)
    url = reverse("poskantoor:office_version", args=[office.pk])
    response = client.post(url, {"version": office.process_version_id})
    assert response.status_code == 400
    page = response.content.decode()
    assert "data-refusal" in page
    assert "Selecteer een geldige keuze" in page
    assert f'data-process-version="{office.process_version.number}"' in page


def test_a_confirmation_refused_by_the_service_shows_the_message_and_starts_nothing(client):
    """An existing office for the municipality: the confirmation page again with the reason."""
    registration = services.interest_register(
        data={
            "municipality": municipality("GM0307"),
            "organisation_name": "Gemeente",
            "contact_name": "Lotte",
            "email": "lotte@amersfoort.example",
        }
    )
    make_office("GM0307")
    url = reverse(
        "poskantoor:interest_confirm", args=[make_token("pos-interest-confirm", registration.pk)]
    )
    response = client.post(url)
    assert response.status_code == 400
    assert "Amersfoort heeft al een POS-kantoor" in response.content.decode()
    assert PosOffice.objects.count() == 1
    registration.refresh_from_db()
    assert registration.office is None


# --- Basic conditions -----------------------------------------------------------------------


def test_basic_conditions_met_and_not_met(client, pos_staff, office):
    from poskantoor.selectors import basic_conditions, office_get

    today = timezone.localdate()
    long = {"committed_from": today, "committed_until": today + dt.timedelta(days=731)}
    CoreGroupMemberFactory(
        office=office, professional=True, name="Ambtenaar", hours_per_week=2, **long
    )
    CoreGroupMemberFactory(office=office, name="Ondernemer A", **long)
    CoreGroupMemberFactory(office=office, name="Ondernemer B", hours_per_week=1, **long)
    conditions = {c.key: c for c in basic_conditions(office_get(user=pos_staff, pk=office.pk))}
    assert conditions["support"].met
    assert conditions["professional"].met
    assert not conditions["entrepreneurs"].met
    assert conditions["entrepreneurs"].missing.startswith("nog 1 onderneming")
    # "in kaart gebracht" is the municipality's statement, not the guideline's "8+".
    assert not conditions["mapped"].met
    MappingStatement.objects.create(office=office, stated_on=today, registered_count=2)
    conditions = {c.key: c for c in basic_conditions(office_get(user=pos_staff, pk=office.pk))}
    assert conditions["mapped"].met
    assert "2 actieve sportondernemers" in conditions["mapped"].evidence[1]


def test_commitment_shorter_than_two_years_does_not_count(pos_staff, office):
    from poskantoor.selectors import basic_conditions, office_get

    today = timezone.localdate()
    CoreGroupMemberFactory(
        office=office,
        professional=True,
        hours_per_week=4,
        committed_from=today,
        committed_until=today + dt.timedelta(days=700),
    )
    conditions = {c.key: c for c in basic_conditions(office_get(user=pos_staff, pk=office.pk))}
    assert conditions["support"].met is False  # no entrepreneurs
    assert conditions["professional"].met is False


# --- List -----------------------------------------------------------------------------------


def test_list_filters_by_step_status_province_and_overdue(client, pos_staff, office, advance):
    fresh = make_office("GM0599", registered_on=timezone.localdate())  # Rotterdam, nothing due
    client.force_login(pos_staff)
    url = reverse("poskantoor:list")

    def names(**params):
        content = client.get(url, params).content.decode()
        return {n for n in ("Utrecht", "Rotterdam") if f">{n}</a>" in content}

    assert names() == {"Utrecht", "Rotterdam"}
    assert names(overdue="on") == {"Utrecht"}
    assert names(province="Zuid-Holland") == {"Rotterdam"}
    advance(office, ("2a", dt.date(2026, 2, 2)))
    assert names(step="2b") == {"Utrecht"}
    assert names(status="orientation") == {"Utrecht", "Rotterdam"}
    assert names(status="stopped") == set()
    assert fresh.pk


def test_list_query_count_does_not_grow_with_offices(
    client, pos_staff, django_assert_max_num_queries
):
    client.force_login(pos_staff)
    make_office("GM0344")
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("poskantoor:list"))
    for m in Municipality.objects.exclude(cbs_code="GM0344")[:60]:
        make_office(m.cbs_code)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("poskantoor:list"))


def test_detail_query_count_does_not_grow_with_members(
    client, pos_staff, office, django_assert_max_num_queries
):
    client.force_login(pos_staff)
    CoreGroupMemberFactory(office=office)
    with django_assert_max_num_queries(40) as small:
        client.get(office.get_absolute_url())
    for _ in range(8):
        CoreGroupMemberFactory(office=office)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(office.get_absolute_url())


@pytest.mark.parametrize(
    ("role", "link"),
    [
        (Role.POLICY_STAFF, "Het POS-kantoor van mijn gemeente"),
        (Role.POS_STAFF, "Kantoren met een verlopen stap"),
        (Role.CLUB_SUPPORTER, "Alle POS-kantoren"),
    ],
)
def test_home_page_card_and_navigation_per_role(client, user_for_role, role, link):
    client.force_login(user_for_role(role))
    content = client.get("/").content.decode()
    assert link in content
    assert 'href="/pos-kantoren/"' in content
