"""The office's public face: off by default, switched by the municipality's policy officer;
the public contact person only with their recorded consent (seed 000 §4: "Agenda en
contactpersoon op de website van POS")."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from poskantoor import services
from poskantoor.constants import OfficeStatus
from poskantoor.models import PosOffice
from sportloket.models import AuditEvent
from tests.factories import StaffProfileFactory, municipality

from .factories import make_office

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 10, 0, tzinfo=dt.UTC)
CONTACT = {
    "public_contact_name": "Sanne de Vries",
    "public_contact_email": "sanne@utrecht.example",
    "public_contact_phone": "030 123 45 67",
}


@pytest.fixture
def policy(db):
    return StaffProfileFactory(policy_staff=True, municipality=municipality("GM0344")).user


def update(office, by, **data):
    return services.office_public_face_update(office=office, data=data, by=by, now=NOW)


def test_an_office_is_not_public_by_default(office):
    assert office.is_public is False
    assert office.public_contact_consent_at is None


def test_the_policy_officer_makes_the_office_public_with_a_consenting_contact(office, policy):
    office = update(office, policy, is_public=True, contact_consent=True, **CONTACT)
    office.refresh_from_db()
    assert office.is_public
    assert office.public_contact_name == "Sanne de Vries"
    assert (office.public_contact_consent_at, office.public_contact_consent_by) == (NOW, policy)
    event = AuditEvent.objects.get(action="public_face_changed")
    assert event.changes["is_public"] == ["False", "True"]


def test_a_contact_person_without_consent_is_refused_and_nothing_is_saved(office, policy):
    with pytest.raises(services.PosOfficeError, match="alleen getoond met hun toestemming"):
        update(office, policy, is_public=True, contact_consent=False, **CONTACT)
    office.refresh_from_db()
    assert (office.is_public, office.public_contact_name) == (False, "")
    assert not AuditEvent.objects.filter(action="public_face_changed").exists()


def test_contact_details_without_a_name_are_refused(office, policy):
    with pytest.raises(services.PosOfficeError, match="naam van de openbare contactpersoon"):
        update(office, policy, contact_consent=True, public_contact_email="x@example.org")


def test_a_new_person_needs_and_records_consent_anew(office, policy):
    update(office, policy, is_public=True, contact_consent=True, **CONTACT)
    later = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    services.office_public_face_update(
        office=office,
        data={"is_public": True, "contact_consent": True, **CONTACT},
        by=policy,
        now=later,
    )
    office.refresh_from_db()
    assert office.public_contact_consent_at == NOW  # same person: the consent stands
    with pytest.raises(services.PosOfficeError):
        update(office, policy, is_public=True, **{**CONTACT, "public_contact_name": "Kees Jansen"})
    services.office_public_face_update(
        office=office,
        data={**CONTACT, "public_contact_name": "Kees Jansen", "contact_consent": True},
        by=policy,
        now=later,
    )
    office.refresh_from_db()
    assert (office.public_contact_name, office.public_contact_consent_at) == ("Kees Jansen", later)


def test_emptying_the_contact_withdraws_the_consent(office, policy):
    update(office, policy, is_public=True, contact_consent=True, **CONTACT)
    update(office, policy, is_public=True)
    office.refresh_from_db()
    assert office.public_contact_name == office.public_contact_email == ""
    assert office.public_contact_consent_at is None
    assert office.public_contact_consent_by is None


def test_switching_off_keeps_nothing_public(office, policy):
    update(office, policy, is_public=True)
    update(office, policy, is_public=False)
    office.refresh_from_db()
    assert office.is_public is False


@pytest.mark.parametrize("role", ["pos_staff", "club_supporter"])
def test_only_the_policy_officer_decides(office, role):
    user = StaffProfileFactory(**{role: True}).user
    with pytest.raises(services.PosOfficeError, match="beleidsmedewerker"):
        update(office, user, is_public=True)
    office.refresh_from_db()
    assert office.is_public is False


def test_a_stopped_office_cannot_go_public(policy):
    office = make_office(status=OfficeStatus.STOPPED, stopped_on=dt.date(2026, 2, 1))
    with pytest.raises(services.PosOfficeError, match="gestopt"):
        update(office, policy, is_public=True)


def test_the_database_refuses_a_contact_without_consent(office):
    with transaction.atomic(), pytest.raises(IntegrityError):
        PosOffice.objects.filter(pk=office.pk).update(public_contact_name="Iemand")


# --- The settings page ------------------------------------------------------------------------


def test_the_policy_officer_saves_the_settings_page(client, office, policy):
    client.force_login(policy)
    url = f"/pos-kantoren/{office.pk}/openbaar/"
    page = client.get(url)
    assert page.status_code == 200
    assert "Toon dit POS-kantoor op de openbare website" in page.content.decode()
    response = client.post(url, {"is_public": "on", "contact_consent": "on", **CONTACT})
    assert response.status_code == 302
    office.refresh_from_db()
    assert office.is_public
    assert office.public_contact_consent_at is not None
    page = client.get(url).content.decode()
    assert "/pos-kantoren/utrecht/" in page


def test_the_settings_page_refuses_a_contact_without_consent_in_dutch(client, office, policy):
    client.force_login(policy)
    response = client.post(f"/pos-kantoren/{office.pk}/openbaar/", {"is_public": "on", **CONTACT})
    assert response.status_code == 400
    assert "alleen getoond met hun toestemming" in response.content.decode()
    office.refresh_from_db()
    assert office.is_public is False


def test_the_settings_page_refuses_a_bad_email_in_dutch(client, office, policy):
    client.force_login(policy)
    response = client.post(
        f"/pos-kantoren/{office.pk}/openbaar/",
        {**CONTACT, "public_contact_email": "geen-adres", "contact_consent": "on"},
    )
    assert response.status_code == 400
    assert "geldig e-mailadres" in response.content.decode()


def test_another_municipalitys_policy_officer_gets_404(client, office):
    other = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0363")).user
    client.force_login(other)
    assert (
        client.post(f"/pos-kantoren/{office.pk}/openbaar/", {"is_public": "on"}).status_code == 404
    )
    office.refresh_from_db()
    assert office.is_public is False
