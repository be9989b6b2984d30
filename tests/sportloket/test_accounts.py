import pytest
from django.core import mail
from django.urls import reverse

from sportloket.constants import ROLE_GROUP_NAMES, Role
from sportloket.models import OutgoingEmail
from sportloket.selectors import user_scope
from tests.factories import DeskFactory, StaffProfileFactory, municipality

pytestmark = pytest.mark.django_db

PASSWORD = "geheim-wachtwoord-123"


def test_anonymous_home_redirects_to_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_login_page_is_dutch_by_default(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<html lang="nl">' in content
    assert "Inloggen" in content
    assert "Naar de inhoud" in content  # skip link


@pytest.mark.parametrize(
    ("role", "label"),
    [
        (Role.CLUB_SUPPORTER, "Clubondersteuner"),
        (Role.POLICY_STAFF, "Beleidsmedewerker gemeente"),
        (Role.POS_STAFF, "POS-medewerker"),
        (Role.ADMINISTRATOR, "Beheerder"),
    ],
)
def test_each_role_logs_in_and_reaches_its_home_page(client, user_for_role, role, label):
    user = user_for_role(role)
    response = client.post(
        reverse("login"), {"username": user.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert label in response.content.decode()
    assert list(user.groups.values_list("name", flat=True)) == [ROLE_GROUP_NAMES[role]]


@pytest.mark.parametrize(
    "data",
    [
        {"username": "", "password": ""},
        {"username": "nobody", "password": "wrong"},
        {"username": "x" * 5000, "password": "y" * 5000},
        {"username": "' OR 1=1 --", "password": "<script>alert(1)</script>"},
        {"username": "\x00é😀", "password": "\u202e\ufeff"},
    ],
)
def test_bad_login_input_gets_a_dutch_message_never_a_server_error(client, data):
    response = client.post(reverse("login"), data)
    assert response.status_code == 200
    content = response.content.decode()
    dutch_messages = ("Dit veld is verplicht.", "Voer een juiste gebruikersnaam", "Null-tekens")
    assert any(message in content for message in dutch_messages)


def test_password_reset_sends_link_through_the_outbox(
    client, user_for_role, django_capture_on_commit_callbacks
):
    user = user_for_role(Role.POS_STAFF)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.get().status == "sent"
    link = next(line for line in mail.outbox[0].body.splitlines() if "/reset/" in line)
    response = client.get(link.strip(), follow=True)
    assert "Kies een nieuw wachtwoord" in response.content.decode()


@pytest.mark.parametrize("email", ["", "not-an-email", "a@" + "b" * 400 + ".nl", "<b>@x.nl"])
def test_bad_password_reset_input_gets_a_dutch_message(client, email):
    response = client.post(reverse("password_reset"), {"email": email})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Dit veld is verplicht." in content or "geldig e-mailadres" in content
    assert not mail.outbox


def test_password_reset_for_unknown_address_reveals_nothing(client):
    response = client.post(reverse("password_reset"), {"email": "onbekend@example.org"})
    assert response.status_code == 302
    assert not mail.outbox


def test_forged_password_reset_link_is_refused_kindly(client, user_for_role):
    response = client.get("/account/reset/MQ/forged-token/", follow=True)
    assert response.status_code == 200
    assert "niet meer geldig" in response.content.decode()


def test_policy_staff_scope_is_their_municipality_only():
    user = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0363")).user
    scope = user_scope(user)
    assert scope.municipality_ids == {municipality("GM0363").pk}
    assert not scope.sees_everything


def test_club_supporter_scope_is_the_municipalities_of_their_desk():
    desk = DeskFactory(municipalities=[municipality("GM0344"), municipality("GM0355")])
    scope = user_scope(StaffProfileFactory(club_supporter=True, desk=desk).user)
    assert scope.municipality_ids == {municipality("GM0344").pk, municipality("GM0355").pk}
    assert scope.desk_id == desk.pk


def test_pos_staff_see_everything(pos_staff):
    assert user_scope(pos_staff).sees_everything


def test_language_switch_to_english(client, pos_staff):
    client.force_login(pos_staff)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Welcome" in client.get(reverse("home")).content.decode()


def test_an_english_browser_still_gets_dutch_until_the_user_switches(client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="nl">' in response.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="nl")
    assert '<html lang="en">' in response.content.decode()
