"""The news update's pages: only POS staff write and send (others refused), bad input answered
in Dutch with nothing saved, the public archive in a fixed number of queries, and the public
sign-up, confirmation and unsubscribe pages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.news import services
from network.news.constants import UpdateStatus
from network.news.models import NewsSubscription, NewsUpdate
from sportloket.models import OutgoingEmail
from tests.factories import ProviderFactory

from .news_helpers import draft, network_of, offices

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Voorjaarsnieuws",
    "body": "Beste ondernemers,\n\n- **Sportcafé** op 12 maart\n- Nieuwe regeling",
    "link": "https://pos.nl/voorjaar",
    "audience": "national",
    "office": "",
}


def sent_update(by, **data) -> NewsUpdate:
    update = draft(by, **data)
    NewsUpdate.objects.filter(pk=update.pk).update(
        status=UpdateStatus.SENT, send_started_at=timezone.now(), sent_at=timezone.now()
    )
    return update


# --- Writing and sending: POS staff only -------------------------------------------------------


def test_pos_staff_write_preview_and_send_an_update(
    client, pos_staff, django_capture_on_commit_callbacks
):
    office, _other = offices()
    addresses = network_of(office, members=2, entrepreneurs=1)
    client.force_login(pos_staff)
    response = client.post(reverse("network:news_create"), FORM)
    update = NewsUpdate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("network:news_preview", args=[update.pk])

    preview = client.get(response["Location"]).content.decode()
    assert "<li><strong>Sportcafé</strong> op 12 maart</li>" in preview
    assert "POS-lokaal: Voorjaarsnieuws" in preview  # the e-mail's subject
    assert "Lees meer: https://pos.nl/voorjaar" in preview  # the e-mail's text
    assert "Deze update gaat nu naar 3 aangemelden." in preview

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("network:news_send", args=[update.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("network:news_archive")
    update.refresh_from_db()
    assert update.status == UpdateStatus.SENT
    assert sorted(m.to[0] for m in mail.outbox) == sorted(addresses)
    archive = client.get(reverse("network:news_archive")).content.decode()
    assert "Voorjaarsnieuws" in archive


@pytest.mark.parametrize("role", ["club_supporter", "policy_staff"])
def test_other_roles_may_not_write_edit_or_send(client, request, pos_staff, role):
    update = draft(pos_staff)
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse("network:news_create")).status_code == 403
    assert client.post(reverse("network:news_create"), FORM).status_code == 403
    assert client.post(reverse("network:news_edit", args=[update.pk]), FORM).status_code == 403
    assert client.post(reverse("network:news_send", args=[update.pk])).status_code == 403
    assert NewsUpdate.objects.count() == 1
    assert NewsUpdate.objects.get().status == UpdateStatus.DRAFT
    assert (
        "Nieuwsupdate schrijven" not in client.get(reverse("network:news_archive")).content.decode()
    )


def test_anonymous_is_sent_to_login_and_sees_no_drafts(client, pos_staff):
    update = draft(pos_staff, title="Geheim concept")
    response = client.post(reverse("network:news_create"), FORM)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")
    assert client.get(reverse("network:news_detail", args=[update.pk])).status_code == 404
    assert "Geheim concept" not in client.get(reverse("network:news_archive")).content.decode()
    assert NewsUpdate.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "Dit veld is verplicht."),
        ({"body": ""}, "Dit veld is verplicht."),
        ({"link": "javascript:alert(1)"}, "Voer een geldige URL in."),
        ({"link": "ftp://pos.nl/bestand"}, "De link moet een webadres zijn"),
        ({"audience": "office", "office": ""}, "Kies het POS-kantoor waarvoor deze update is."),
        ({"audience": "iedereen"}, "Selecteer een geldige keuze."),
        ({"title": "x" * 201}, "Zorg dat deze waarde niet meer dan 200 tekens bevat"),
    ],
)
def test_bad_input_gets_a_dutch_message_and_nothing_is_saved(client, pos_staff, change, message):
    client.force_login(pos_staff)
    response = client.post(reverse("network:news_create"), {**FORM, **change})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert "Voorjaarsnieuws" in response.content.decode() or change.get("title") is not None
    assert not NewsUpdate.objects.exists()


def test_a_refused_send_shows_the_preview_with_the_message(client, pos_staff):
    update = draft(pos_staff)
    client.force_login(pos_staff)
    response = client.post(reverse("network:news_send", args=[update.pk]))
    assert response.status_code == 400
    assert "Niemand in deze doelgroep heeft zich al aangemeld" in response.content.decode()
    assert NewsUpdate.objects.get().status == UpdateStatus.DRAFT


def test_a_sent_update_cannot_be_edited_or_sent_again(client, pos_staff):
    update = sent_update(pos_staff)
    client.force_login(pos_staff)
    for name in ("news_edit", "news_preview"):
        assert client.get(reverse(f"network:{name}", args=[update.pk])).status_code == 404
    assert client.post(reverse("network:news_send", args=[update.pk])).status_code == 404
    assert client.post(reverse("network:news_edit", args=[update.pk]), FORM).status_code == 404
    assert NewsUpdate.objects.get().title == "Nieuws uit het netwerk"


def test_an_injected_script_is_shown_as_text_on_every_page(client, pos_staff):
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    update = draft(pos_staff, title=payload, body=f"{payload}\n\n[klik](javascript:alert(1))")
    client.force_login(pos_staff)
    preview = client.get(reverse("network:news_preview", args=[update.pk])).content.decode()
    NewsUpdate.objects.filter(pk=update.pk).update(
        status=UpdateStatus.SENT, send_started_at=timezone.now(), sent_at=timezone.now()
    )
    client.logout()
    page = client.get(reverse("network:news_detail", args=[update.pk])).content.decode()
    for html in (preview, page):
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert 'href="javascript:' not in html
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


# --- The public archive ------------------------------------------------------------------------


def archive_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("network:news_archive")).status_code == 200
    return len(queries.captured_queries)


def test_the_archive_costs_the_same_queries_for_2_or_25_updates(client, pos_staff):
    office, _other = offices()
    for i in range(2):
        sent_update(pos_staff, office=office if i % 2 else None)
    few = archive_queries(client)
    for i in range(23):
        sent_update(pos_staff, office=office if i % 2 else None)
    assert archive_queries(client) == few
    client.force_login(pos_staff)
    for _i in range(5):
        draft(pos_staff, office=office)
    with_drafts = archive_queries(client)
    for _i in range(10):
        draft(pos_staff, office=office)
    assert archive_queries(client) == with_drafts


def test_the_archive_shows_one_offices_updates_with_the_national_ones(client, pos_staff):
    utrecht, amsterdam = offices()
    sent_update(pos_staff, office=utrecht, title="Utrechts nieuws")
    sent_update(pos_staff, office=amsterdam, title="Amsterdams nieuws")
    sent_update(pos_staff, title="Landelijk nieuws")
    page = client.get(reverse("network:news_archive"), {"kantoor": utrecht.pk}).content.decode()
    assert "Utrechts nieuws" in page
    assert "Landelijk nieuws" in page
    assert "Amsterdams nieuws" not in page


# --- Sign-up, confirmation and unsubscribe (public) --------------------------------------------


def test_signing_up_gives_the_same_answer_for_known_and_unknown_addresses(
    client, django_capture_on_commit_callbacks
):
    office, _other = offices()
    ProviderFactory(municipality=office.municipality, email="bekend@example.org")
    answers = []
    with django_capture_on_commit_callbacks(execute=True):
        for email in ("bekend@example.org", "onbekend@example.org"):
            response = client.post(
                reverse("network:news_subscribe"), {"email": email, "privacy_consent": "on"}
            )
            answers.append((response.status_code, response["Location"]))
    assert answers[0] == answers[1] == (302, reverse("network:news_subscribe_sent"))
    assert [m.to for m in mail.outbox] == [["bekend@example.org"]]


def test_sign_up_refuses_bad_input_in_dutch_and_a_bot_gets_nothing(
    client, django_capture_on_commit_callbacks
):
    office, _other = offices()
    ProviderFactory(municipality=office.municipality, email="bekend@example.org")
    response = client.post(reverse("network:news_subscribe"), {"email": "geen-adres"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Voer een geldig e-mailadres in." in body
    assert "Ga akkoord met de privacyverklaring" in body
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("network:news_subscribe"),
            {"email": "bekend@example.org", "privacy_consent": "on", "website_url": "spam"},
        )
    assert response.status_code == 302
    assert not OutgoingEmail.objects.exists()


def test_the_confirmation_link_asks_first_and_subscribes_on_post(client):
    office, _other = offices()
    ProviderFactory(municipality=office.municipality, email="kim@example.org")
    url = reverse(
        "network:news_optin_confirm",
        args=[services.make_token(services.OPTIN_PURPOSE, "kim@example.org")],
    )
    assert "kim@example.org" in client.get(url).content.decode()
    assert not NewsSubscription.objects.exists()
    response = client.post(url)
    assert response.status_code == 200
    assert NewsSubscription.objects.get().email == "kim@example.org"
    bad = client.get(reverse("network:news_optin_confirm", args=["vals"]))
    assert bad.status_code == 400
    assert "Deze link is niet geldig" in bad.content.decode()


def test_the_unsubscribe_link_in_the_email_works_without_login(
    client, pos_staff, django_capture_on_commit_callbacks
):
    office, _other = offices()
    first, _second = network_of(office)
    update = draft(pos_staff, office=office)
    with django_capture_on_commit_callbacks(execute=True):
        services.news_update_send(update=update, by=pos_staff)
    message = next(m for m in mail.outbox if m.to == [first])
    link = next(w for w in message.body.split() if "/pos-lokaal/afmelden/" in w)
    path = link.split("testserver", 1)[-1].split("://", 1)[-1]
    path = path[path.index("/pos-lokaal/") :]
    assert first in client.get(path).content.decode()
    assert NewsSubscription.objects.filter(email=first).exists()
    response = client.post(path)
    assert response.status_code == 200
    assert "U ontvangt de nieuwsupdate POS-lokaal niet meer" in response.content.decode()
    assert not NewsSubscription.objects.filter(email=first).exists()
    assert client.post(path).status_code == 200  # a second click changes nothing
    bad = client.post(reverse("network:news_unsubscribe", args=["vals"]))
    assert bad.status_code == 400
    assert "Deze link is niet geldig" in bad.content.decode()


def test_an_administrator_unsubscribes_someone_who_asks_by_email(client, administrator):
    from .news_helpers import subscribe

    subscription = subscribe("vraagt@example.org")
    client.force_login(administrator)
    response = client.post(
        reverse("admin:network_newssubscription_changelist"),
        {"action": "unsubscribe", "_selected_action": [subscription.pk]},
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.email is None
    assert subscription.unsubscribed_at is not None


@pytest.mark.parametrize("value", ["abc", "²", "9" * 30, "-1", ""])
def test_an_odd_office_filter_shows_every_update(client, pos_staff, value):
    sent_update(pos_staff, title="Landelijk nieuws")
    response = client.get(reverse("network:news_archive"), {"kantoor": value, "pagina": value})
    assert response.status_code == 200
    assert "Landelijk nieuws" in response.content.decode()
