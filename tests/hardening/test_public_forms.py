"""The public forms as an attacker uses them: free text is plain text (no markup, no
bidirectional controls), e-mail subjects never carry what a stranger typed, and the interest
form does not tell whether a club or an address is known."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from meetings.models import SupportRequest
from providers.constants import ProviderStatus
from providers.models import Provider
from sportloket.models import OutgoingEmail
from tests.factories import DeskFactory, ProviderFactory, municipality

pytestmark = pytest.mark.django_db

QUESTION, REGISTER = "/hulpvraag/", "/aanmelden/"
MARKUP = "Gebruik geen &lt; of &gt; tekens."
BIDI = "Verwijder de onzichtbare tekens die de leesrichting van de tekst veranderen"
UNTRUSTED = "Klik hier: https://phish.example/inloggen"


def question_data(**overrides) -> dict:
    return {
        "provider_name": "Nieuwe Club",
        "kvk_number": "",
        "municipality": municipality().pk,
        "contact_name": "Kim",
        "email": "kim@example.org",
        "subject": "Hulp bij vrijwilligers",
        "question": "Wij zoeken vrijwilligers.",
        "privacy_consent": "on",
        **overrides,
    }


def register_data(**overrides) -> dict:
    return {
        "name": "FitLab Zuilen",
        "kind": "entrepreneur",
        "kvk_number": "87654321",
        "municipality": municipality().pk,
        "postcode": "3553ab",
        "city": "Utrecht",
        "contact_name": "Kim de Boer",
        "email": "kim@fitlab.example",
        "phone": "06 12345678",
        "privacy_consent": "on",
        **overrides,
    }


@pytest.fixture
def desk():
    return DeskFactory(municipalities=[municipality()])


# --- Plain text only ---------------------------------------------------------------------------

BAD_TEXT = [
    ("<b>Club</b>", MARKUP),
    ('"><img src=x onerror=alert(1)>', MARKUP),
    ("Club\u202egpj.exe", BIDI),
    ("\u2066Club\u2069", BIDI),
    ("Club\u200f", BIDI),
    ("\u061cClub", BIDI),
]


@pytest.mark.parametrize("field", ["provider_name", "contact_name", "subject", "question"])
@pytest.mark.parametrize(("value", "message"), BAD_TEXT)
def test_the_question_form_refuses_markup_and_bidi_controls(client, desk, field, value, message):
    response = client.post(QUESTION, question_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SupportRequest.objects.exists()
    assert not Provider.objects.exists()
    assert not OutgoingEmail.objects.exists()


@pytest.mark.parametrize("field", ["name", "contact_name", "city"])
@pytest.mark.parametrize(("value", "message"), BAD_TEXT)
def test_the_interest_form_refuses_markup_and_bidi_controls(client, field, value, message):
    response = client.post(REGISTER, register_data(**{field: value}))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Provider.objects.exists()
    assert not OutgoingEmail.objects.exists()


def test_ordinary_text_with_accents_quotes_and_emoji_is_welcome(client, desk):
    data = question_data(subject="Vraag over 't Zwembad & co — “ja” 😀", question="Ça va? Één.")
    assert client.post(QUESTION, data).status_code == 302
    assert SupportRequest.objects.get().subject == "Vraag over 't Zwembad & co — “ja” 😀"


# --- Subjects of the confirmation e-mails ------------------------------------------------------


def test_the_question_confirmation_subject_is_fixed_text_with_the_reference(
    client, desk, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(QUESTION, question_data(subject=UNTRUSTED, provider_name=UNTRUSTED))
    request = SupportRequest.objects.get()
    sent = [m for m in mail.outbox if m.to == ["kim@example.org"]]
    question_mail = next(m for m in sent if f"#{request.pk}" in m.subject)
    assert question_mail.subject == f"Uw vraag #{request.pk} is ontvangen"
    for message in sent:
        assert "phish" not in message.subject, message.subject


def test_the_registration_confirmation_subject_is_fixed_text_with_the_reference(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(REGISTER, register_data(name=UNTRUSTED))
    provider = Provider.objects.get()
    assert provider.name == UNTRUSTED  # stored as typed: it is shown escaped to staff
    (message,) = mail.outbox
    assert message.subject == f"Bevestig uw aanmelding bij Sportloket (nr. {provider.pk})"
    assert "phish" not in message.subject


# --- No enumeration through /aanmelden/ --------------------------------------------------------

# The CSRF token is in the forms and in htmx's request headers of every page.
CSRF = re.compile(rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+"')


def answer(client, data) -> tuple[int, bytes]:
    """Status and body of the whole answer (the redirect followed), without the CSRF token."""
    response = client.post(REGISTER, data, follow=True)
    return response.status_code, CSRF.sub(rb"\1", response.content)


@pytest.mark.parametrize("status", [ProviderStatus.ACTIVE, ProviderStatus.PENDING])
def test_a_known_kvk_number_gets_the_same_answer_as_a_new_registration(
    client, django_capture_on_commit_callbacks, status
):
    known = ProviderFactory(
        kvk_number="11112222", email="bestuur@bekend.example", status=status, name="Bekend"
    )
    before = Provider.objects.get(pk=known.pk)
    with django_capture_on_commit_callbacks(execute=True):
        new = answer(client, register_data(kvk_number="33334444", email="nieuw@example.org"))
        again = answer(client, register_data(kvk_number="11112222", email="aanvaller@example.org"))
    assert new == again
    assert new[0] == 200
    # Nothing was written for the duplicate: one new provider, the known one unchanged.
    assert Provider.objects.count() == 2
    after = Provider.objects.get(pk=known.pk)
    assert (after.name, after.email, after.status, after.contact_name) == (
        before.name,
        before.email,
        before.status,
        before.contact_name,
    )
    # The news went to the address we know, never to the one typed in.
    assert not [m for m in mail.outbox if "aanvaller@example.org" in m.to]
    news = [m for m in mail.outbox if m.to == ["bestuur@bekend.example"]]
    assert len(news) == 1
    assert OutgoingEmail.objects.filter(to=["bestuur@bekend.example"]).count() == 1
    if status == ProviderStatus.PENDING:
        assert "/aanmelden/bevestigen/" in news[0].body
    else:
        assert "al aangemeld" in news[0].body
        assert "/aanmelden/bevestigen/" not in news[0].body


def test_a_known_email_and_name_get_the_same_answer_as_a_new_registration(
    client, django_capture_on_commit_callbacks
):
    ProviderFactory(name="FitLab Zuilen", email="kim@fitlab.example", kvk_number="")
    with django_capture_on_commit_callbacks(execute=True):
        new = answer(client, register_data(name="Ander", email="a@example.org", kind="club"))
        again = answer(client, register_data(kvk_number="", kind="club"))
    assert new == again
    assert new[0] == 200
    assert Provider.objects.count() == 2


def test_repeating_a_known_registration_mails_the_known_address_once_a_day(
    client, django_capture_on_commit_callbacks
):
    ProviderFactory(kvk_number="11112222", email="bestuur@bekend.example")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            client.post(REGISTER, register_data(kvk_number="11112222"))
    assert len([m for m in mail.outbox if m.to == ["bestuur@bekend.example"]]) == 1


def test_a_known_provider_without_an_address_gets_the_same_page_and_no_mail(
    client, django_capture_on_commit_callbacks
):
    ProviderFactory(kvk_number="11112222", email="")
    with django_capture_on_commit_callbacks(execute=True):
        new = answer(client, register_data(kvk_number="33334444", email="nieuw@example.org"))
        again = answer(client, register_data(kvk_number="11112222"))
    assert new == again
    assert [m.to for m in mail.outbox] == [["nieuw@example.org"]]
