import json

import pytest
from django.urls import reverse

from providers import services
from providers.constants import ProviderStatus, SafetyStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import AuditEvent, Sport, TargetGroup
from sportloket.selectors import audit_events_for
from tests.factories import ProviderFactory, municipality

pytestmark = pytest.mark.django_db
LIST = "/aanbieders/"


def body(response) -> str:
    return response.content.decode()


def csv_text(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


# --- Who may do what -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [LIST, "/aanbieders/export.csv", "/aanbieders/nieuw/", "/aanbieders/importeren/"],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


def test_user_without_role_gets_403(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("norole", password="x"))
    assert client.get(LIST).status_code == 403


@pytest.mark.parametrize(
    "role", [Role.CLUB_SUPPORTER, Role.POLICY_STAFF, Role.POS_STAFF, Role.ADMINISTRATOR]
)
def test_every_staff_role_can_read_list_detail_and_export(client, user_for_role, role):
    provider = ProviderFactory(name="Zichtbaar")
    client.force_login(user_for_role(role))
    assert "Zichtbaar" in body(client.get(LIST))
    assert client.get(provider.get_absolute_url()).status_code == 200
    assert "Zichtbaar" in csv_text(client.get("/aanbieders/export.csv"))


def test_policy_staff_cannot_change_import_or_erase(client, policy_staff):
    provider = ProviderFactory()
    client.force_login(policy_staff)
    pk = provider.pk
    for url in ("/aanbieders/nieuw/", f"/aanbieders/{pk}/bewerken/", "/aanbieders/importeren/"):
        assert client.get(url).status_code == 403
    for url in (f"/aanbieders/{pk}/status/", f"/aanbieders/{pk}/wissen/"):
        assert client.post(url, {"action": "deactivate"}).status_code == 403
    assert client.post(f"/aanbieders/{pk}/persoonsgegevens/").status_code == 403
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.ACTIVE
    assert "Bewerken" not in body(client.get(provider.get_absolute_url()))


def test_policy_staff_sees_only_own_municipality(client, policy_staff, amsterdam):
    ProviderFactory(name="In Utrecht")
    other = ProviderFactory(name="In Amsterdam", municipality=amsterdam)
    client.force_login(policy_staff)
    page = body(client.get(LIST))
    assert "In Utrecht" in page
    assert "In Amsterdam" not in page
    assert client.get(other.get_absolute_url()).status_code == 404
    assert "In Amsterdam" not in csv_text(client.get("/aanbieders/export.csv"))


def test_club_supporter_sees_only_the_desk_municipalities(client, amsterdam_supporter):
    utrecht_provider = ProviderFactory(name="In Utrecht")
    ProviderFactory(name="In Amsterdam", municipality=municipality("GM0363"))
    client.force_login(amsterdam_supporter)
    page = body(client.get(LIST))
    assert "In Amsterdam" in page
    assert "In Utrecht" not in page
    pk = utrecht_provider.pk
    assert client.get(utrecht_provider.get_absolute_url()).status_code == 404
    assert client.get(f"/aanbieders/{pk}/bewerken/").status_code == 404
    assert client.post(f"/aanbieders/{pk}/status/", {"action": "deactivate"}).status_code == 404
    assert client.post(f"/aanbieders/{pk}/wissen/").status_code == 404
    utrecht_provider.refresh_from_db()
    assert utrecht_provider.status == ProviderStatus.ACTIVE
    assert utrecht_provider.email


def test_pos_staff_sees_every_municipality(client, pos_staff, amsterdam):
    ProviderFactory(name="In Utrecht")
    ProviderFactory(name="In Amsterdam", municipality=amsterdam)
    client.force_login(pos_staff)
    page = body(client.get(LIST))
    assert "In Utrecht" in page
    assert "In Amsterdam" in page


# --- The list --------------------------------------------------------------------------------


def test_filters_combine(client, club_supporter):
    fitness = Sport.objects.get(slug="fitness")
    youth = TargetGroup.objects.get(slug="jeugd")
    ProviderFactory(name="Match", sports=[fitness], target_groups=[youth], eligible=True)
    ProviderFactory(name="Wrong sport", target_groups=[youth], eligible=True)
    ProviderFactory(name="Not eligible", sports=[fitness], target_groups=[youth])
    ProviderFactory(name="Pending one", sports=[fitness], pending=True, eligible=True)
    client.force_login(club_supporter)
    query = f"?sport={fitness.pk}&target_group={youth.pk}&safety=eligible&status=active"
    page = body(client.get(LIST + query))
    assert "Match" in page
    for other in ("Wrong sport", "Not eligible", "Pending one"):
        assert other not in page


def test_free_text_search_and_safety_filter(client, club_supporter):
    ProviderFactory(name="Dansschool Overvecht", kvk_number="12121212")
    ProviderFactory(name="Pilates Plus", vog_status=SafetyStatus.NOT_MET)
    client.force_login(club_supporter)
    assert "Dansschool" in body(client.get(LIST + "?q=overvecht"))
    assert "Pilates Plus" not in body(client.get(LIST + "?q=12121212"))
    assert "Pilates Plus" in body(client.get(LIST + "?safety=not_eligible"))


def test_sorting_and_pagination(client, club_supporter):
    for name in ("Bravo", "Alfa", "Charlie"):
        ProviderFactory(name=name)
    client.force_login(club_supporter)
    page = body(client.get(LIST + "?order=-name"))
    assert page.index("Charlie") < page.index("Bravo") < page.index("Alfa")
    ProviderFactory.create_batch(30)
    page = client.get(LIST + "?page=2")
    assert page.context["page_obj"].number == 2
    assert len(page.context["rows"]) == 8
    assert len(client.get(LIST + "?per_page=50").context["rows"]) == 33


@pytest.mark.parametrize(
    "query",
    [
        "?municipality=abc",
        "?sport=999999",
        "?order=password",
        "?page=zzz",
        "?per_page=-1",
        "?q=" + "x" * 300,
    ],
)
def test_bad_filter_values_never_give_a_server_error(client, club_supporter, query):
    ProviderFactory()
    client.force_login(club_supporter)
    assert client.get(LIST + query).status_code == 200
    assert client.get("/aanbieders/export.csv" + query).status_code == 200


def test_list_runs_a_constant_number_of_queries(
    client, club_supporter, django_assert_max_num_queries
):
    sports = list(Sport.objects.all()[:3])
    groups = list(TargetGroup.objects.all()[:2])
    ProviderFactory(sports=sports, target_groups=groups)
    client.force_login(club_supporter)
    client.get(LIST)  # warm the session
    with django_assert_max_num_queries(12) as small:
        client.get(LIST + "?per_page=50")
    ProviderFactory.create_batch(60, sports=sports, target_groups=groups)
    with django_assert_max_num_queries(12) as large:
        response = client.get(LIST + "?per_page=50")
    assert len(response.context["rows"]) == 50
    assert len(large.captured_queries) == len(small.captured_queries)


# --- Export ----------------------------------------------------------------------------------


def test_export_is_exactly_the_filtered_list_with_formulas_neutralised(client, club_supporter):
    ProviderFactory(name='=HYPERLINK("http://evil")', kind="club")
    ProviderFactory(name="+SUM(A1)", kind="club")
    ProviderFactory(name="Ondernemer", kind="entrepreneur")
    client.force_login(club_supporter)
    response = client.get("/aanbieders/export.csv?kind=club")
    assert response["Content-Type"].startswith("text/csv")
    text = csv_text(response)
    lines = text.strip().splitlines()
    assert len(lines) == 3  # header + the two clubs
    assert "Ondernemer" not in text
    assert "'=HYPERLINK" in text
    assert "'+SUM" in text
    assert lines[0].startswith("naam;soort;KvK-nummer")


# --- Create, edit, status, privacy -----------------------------------------------------------


def staff_data(form_data, **extra):
    data = {**form_data, "website": "", "participants": ""}
    for prefix in ("vog", "vcp", "code_of_conduct", "trainer_qualification", "elearning"):
        data[f"{prefix}_status"] = "not_met"
        data[f"{prefix}_date"] = ""
    data.update(extra)
    return data


def test_staff_create_and_edit_with_audit_trail(client, club_supporter, form_data):
    client.force_login(club_supporter)
    response = client.post("/aanbieders/nieuw/", staff_data(form_data))
    provider = Provider.objects.get()
    assert response["Location"] == provider.get_absolute_url()
    assert provider.status == ProviderStatus.ACTIVE
    response = client.post(
        f"/aanbieders/{provider.pk}/bewerken/",
        staff_data(form_data, name="FitLab Noord", vog_status="in_progress", vog_date="2026-01-05"),
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.name == "FitLab Noord"
    page = body(client.get(provider.get_absolute_url()))
    assert "FitLab Zuilen" in page
    assert "FitLab Noord" in page
    assert club_supporter.username in page or club_supporter.get_full_name() in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kvk_number", "12", "precies 8 cijfers"),
        ("postcode", "ABCD 12", "Geef een geldige postcode op."),
        ("website", "niet een url", "Voer een geldige URL in."),
        ("participants", "-5", "minstens 0"),
        ("vog_date", "2026-13-45", "Voer een geldige datum in."),
        ("vog_status", "perhaps", "Selecteer een geldige keuze"),
        ("name", "<img src=x>", "Gebruik geen"),
        # Ids beyond any integer column: no such choice, not a database error.
        ("target_groups", "1" * 26, "Selecteer een geldige keuze"),
        ("sports", str(2**63), "Selecteer een geldige keuze"),
        ("municipality", str(2**63), "Selecteer een geldige keuze"),
    ],
)
def test_staff_form_refuses_bad_input(client, club_supporter, form_data, field, value, message):
    client.force_login(club_supporter)
    response = client.post("/aanbieders/nieuw/", staff_data(form_data, **{field: value}))
    assert response.status_code == 400
    assert message in body(response)
    assert not Provider.objects.exists()


def test_editing_with_an_id_beyond_any_integer_column_changes_nothing(
    client, club_supporter, form_data
):
    provider = ProviderFactory(name="FitLab Zuilen", target_groups=[])
    client.force_login(club_supporter)
    data = staff_data(form_data, name="FitLab Noord", target_groups=["1" * 26, str(-(2**63) - 1)])
    response = client.post(f"/aanbieders/{provider.pk}/bewerken/", data)
    assert response.status_code == 400
    assert "Selecteer een geldige keuze" in body(response)
    provider.refresh_from_db()
    assert provider.name == "FitLab Zuilen"
    assert not provider.target_groups.exists()


def test_staff_form_refuses_duplicate_kvk(client, club_supporter, form_data):
    ProviderFactory(kvk_number="87654321")
    client.force_login(club_supporter)
    response = client.post("/aanbieders/nieuw/", staff_data(form_data))
    assert response.status_code == 400
    assert "Er bestaat al een sportaanbieder met dit KvK-nummer." in body(response)
    assert Provider.objects.count() == 1


def test_staff_form_refuses_municipality_outside_scope(client, club_supporter, form_data):
    client.force_login(club_supporter)
    data = staff_data(form_data, municipality=str(municipality("GM0363").pk))
    response = client.post("/aanbieders/nieuw/", data)
    assert response.status_code == 400
    assert not Provider.objects.exists()


def test_confirm_and_deactivate_from_the_detail_page(client, pos_staff):
    provider = ProviderFactory(pending=True)
    client.force_login(pos_staff)
    client.post(f"/aanbieders/{provider.pk}/status/", {"action": "confirm"})
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.ACTIVE
    client.post(f"/aanbieders/{provider.pk}/status/", {"action": "deactivate"})
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.INACTIVE
    response = client.post(
        f"/aanbieders/{provider.pk}/status/", {"action": "deactivate"}, follow=True
    )
    assert "Dit kan niet" in body(response)
    response = client.post(f"/aanbieders/{provider.pk}/status/", {"action": "x"}, follow=True)
    assert "Onbekende actie" in body(response)


def test_personal_data_export_and_erasure(client, club_supporter):
    provider = ProviderFactory(contact_name="Kim de Boer", email="kim@x.example")
    client.force_login(club_supporter)
    response = client.post(f"/aanbieders/{provider.pk}/persoonsgegevens/")
    data = json.loads(response.content)
    assert data["contact"]["contact_name"] == "Kim de Boer"
    assert client.get(f"/aanbieders/{provider.pk}/wissen/").status_code == 200
    client.post(f"/aanbieders/{provider.pk}/wissen/")
    provider.refresh_from_db()
    assert provider.contact_name == ""
    assert provider.email == ""
    assert Provider.objects.filter(pk=provider.pk).exists()
    assert set(audit_events_for(provider).values_list("action", flat=True)) == {
        "export_personal_data",
        "erase",
    }
    assert "Kim de Boer" not in str(list(AuditEvent.objects.values_list("changes", flat=True)))


def test_home_card_and_nav_link_per_role(client, club_supporter, policy_staff):
    client.force_login(club_supporter)
    page = body(client.get(reverse("home")))
    assert "Aanbiedersregister" in page
    assert "Aanbieders importeren" in page
    client.force_login(policy_staff)
    page = body(client.get(reverse("home")))
    assert "Aanbiedersregister" in page
    assert "Aanbieders importeren" not in page


def test_list_shows_names_of_sports_groups_and_an_inactive_municipality(client, pos_staff):
    retired = municipality("GM0363")
    retired.active = False
    retired.save()
    ProviderFactory(
        name="Oude gemeente",
        municipality=retired,
        sports=list(Sport.objects.filter(slug__in=["padel", "tennis"])),
        target_groups=list(TargetGroup.objects.filter(slug="jeugd")),
    )
    client.force_login(pos_staff)
    page = body(client.get(LIST + "?order=-municipality"))
    assert "Amsterdam" in page
    assert "Padel, Tennis" in page
    assert "Jeugd" in page


def test_detail_page_queries_do_not_grow_with_history(
    client, club_supporter, django_assert_max_num_queries
):
    provider = ProviderFactory()
    client.force_login(club_supporter)
    client.get(provider.get_absolute_url())
    with django_assert_max_num_queries(12) as few:
        client.get(provider.get_absolute_url())
    for i in range(15):
        services.provider_update(
            provider=provider, data={"name": f"Naam {i}"}, actor=club_supporter
        )
    with django_assert_max_num_queries(12) as many:
        response = client.get(provider.get_absolute_url())
    assert "Naam 14" in body(response)
    assert len(many.captured_queries) == len(few.captured_queries)
