"""The providers' portal. Seed 003, opgave 5: "een online portal waar sportclubs via lokale
clubondersteuners aanvragen kunnen doen voor benodigde ondersteuning".

Sign-in by a single-use, expiring e-mail link (no account enumeration, rate limited), the
organisation's own questions only, adding information and asking through the existing
services, the digest subscription, and export and erasure of the organisation's data."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from meetings.models import PortalContact, PortalSignInLink, SupportRequest, SupportRequestEvent
from meetings.portal import services
from meetings.support.constants import EventKind, SupportStatus
from providers.models import Provider
from sportloket.models import OutgoingEmail
from sportloket.tokens import make_token, read_token
from subsidies.models import DigestOptOut
from tests.factories import DeskFactory, ProviderFactory, municipality
from tests.meetings.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

LINK = re.compile(r"/portaal/inloggen/([^/\s]+)/")


@pytest.fixture
def desk(db):
    return DeskFactory(name="Loket Utrecht")


@pytest.fixture
def provider(desk):
    return ProviderFactory(name="Tennisclub De Lob", email="kim@delob.example")


@pytest.fixture
def other_provider(desk):
    return ProviderFactory(name="Zwemclub De Spetter", email="info@spetter.example")


def ask_link(client, email: str):
    """Ask for a link; the task queued on commit runs (as the worker would)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/portaal/inloggen/", {"email": email})


def mails_to(email: str) -> list[OutgoingEmail]:
    """The outbox's e-mails to ``email``, oldest first (read in Python: SQLite has no JSON
    containment lookup)."""
    return [mail for mail in OutgoingEmail.objects.order_by("pk") if email in mail.to]


def sent_token(email: str) -> str:
    mail = (mails_to(email) or [None])[-1]
    assert mail is not None, f"no sign-in e-mail to {email}"
    return LINK.search(mail.body).group(1)


def sign_in(client, email: str):
    ask_link(client, email)
    token = sent_token(email)
    return client.post(f"/portaal/inloggen/{token}/")


# --- Sign-in ---------------------------------------------------------------------------------


def test_a_known_address_gets_a_link_and_signs_in_with_it(client, provider):
    response = ask_link(client, "KIM@delob.example")
    assert response.status_code == 302
    assert response["Location"] == "/portaal/inloggen/verstuurd/"
    (mail,) = mails_to("kim@delob.example")
    assert "Tennisclub De Lob" in mail.subject
    token = LINK.search(mail.body).group(1)
    # Opening the link (a mail scanner does too) does not use it up.
    assert client.get(f"/portaal/inloggen/{token}/").status_code == 200
    response = client.post(f"/portaal/inloggen/{token}/")
    assert response.status_code == 302
    assert response["Location"] == "/portaal/"
    page = client.get("/portaal/")
    assert page.status_code == 200
    assert "Tennisclub De Lob" in page.content.decode()
    contact = PortalContact.objects.get(provider=provider)
    assert contact.last_sign_in_at is not None


def test_known_and_unknown_addresses_get_the_same_answer_on_the_same_path(client, provider):
    """No account enumeration: the same page, and the web request does the same work (the same
    queries); only the task, after the answer, finds out whether there is anyone to tell."""
    answers, queries, queued = [], [], []
    for email in ("kim@delob.example", "nobody@elsewhere.example"):
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            with CaptureQueriesContext(connection) as ctx:
                response = client.post("/portaal/inloggen/", {"email": email})
        answers.append((response.status_code, response["Location"]))
        queries.append([re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in ctx.captured_queries])
        queued += callbacks
    assert answers[0] == answers[1]
    assert queries[0] == queries[1]
    page = client.get("/portaal/inloggen/verstuurd/").content.decode()
    assert "Als dit adres toegang heeft" in page
    for callback in queued:
        callback()
    assert len(mails_to("kim@delob.example")) == 1
    assert not mails_to("nobody@elsewhere.example")


def test_the_web_request_only_stores_the_request_and_queues_the_task(client, provider):
    with TestCase.captureOnCommitCallbacks(execute=False) as known:
        client.post("/portaal/inloggen/", {"email": "kim@delob.example"})
    with TestCase.captureOnCommitCallbacks(execute=False) as unknown:
        client.post("/portaal/inloggen/", {"email": "nobody@elsewhere.example"})
    assert len(known) == len(unknown) == 1
    assert PortalSignInLink.objects.filter(processed_at__isnull=True).count() == 2
    assert not OutgoingEmail.objects.exists()
    for callback in [*known, *unknown]:
        callback()
    assert OutgoingEmail.objects.count() == 1
    # The task is idempotent: running it again sends nothing more.
    for link in PortalSignInLink.objects.all():
        assert services.portal_sign_in_send(link_id=link.pk) == 0
    assert OutgoingEmail.objects.count() == 1


def test_a_request_whose_task_never_ran_is_sent_once_by_the_sweep(client, provider):
    """The broker was down when the link was asked for (the queued task is lost): the
    periodic sweep sends it once the request is a minute old, once however often it runs, and
    leaves alone what is too fresh (the task may still come) or already expired."""
    with TestCase.captureOnCommitCallbacks(execute=False):
        client.post("/portaal/inloggen/", {"email": "kim@delob.example"})
    request = PortalSignInLink.objects.get()
    now = timezone.now()
    assert services.portal_sign_in_sweep(now=now) == 0
    assert not OutgoingEmail.objects.exists()
    later = now + services.SWEEP_AFTER
    assert services.portal_sign_in_sweep(now=later) == 1
    assert services.portal_sign_in_sweep(now=later) == 0
    assert services.portal_sign_in_send(link_id=request.pk) == 0
    assert OutgoingEmail.objects.count() == 1
    token = sent_token("kim@delob.example")
    response = client.post(f"/portaal/inloggen/{token}/")
    assert response.status_code == 302
    assert response["Location"] == "/portaal/"
    # A request older than its link's lifetime is not sent any more.
    with TestCase.captureOnCommitCallbacks(execute=False):
        client.post("/portaal/inloggen/", {"email": "kim@delob.example"})
    expired = now + services.LINK_LIFETIME + dt.timedelta(minutes=1)
    assert services.portal_sign_in_sweep(now=expired) == 0
    assert OutgoingEmail.objects.count() == 1


def test_a_link_is_refused_when_used_again(client, provider):
    ask_link(client, "kim@delob.example")
    token = sent_token("kim@delob.example")
    assert client.post(f"/portaal/inloggen/{token}/").status_code == 302
    client.post("/portaal/uitloggen/")
    response = client.post(f"/portaal/inloggen/{token}/")
    assert response.status_code == 400
    assert "al gebruikt" in response.content.decode()
    assert client.get("/portaal/").status_code == 302


def test_a_link_is_refused_when_expired(client, provider):
    ask_link(client, "kim@delob.example")
    token = sent_token("kim@delob.example")
    PortalSignInLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = client.post(f"/portaal/inloggen/{token}/")
    assert response.status_code == 400
    assert "verlopen" in response.content.decode()
    assert client.get("/portaal/").status_code == 302


def test_a_link_older_than_its_signature_allows_is_refused(client, provider, settings):
    ask_link(client, "kim@delob.example")
    token = sent_token("kim@delob.example")
    from django.core import signing  # noqa: PLC0415

    real_loads = signing.loads

    def later(*args, **kwargs):
        kwargs["max_age"] = -1
        return real_loads(*args, **kwargs)

    signing.loads = later
    try:
        response = client.post(f"/portaal/inloggen/{token}/")
    finally:
        signing.loads = real_loads
    assert response.status_code == 400
    assert "verlopen" in response.content.decode()


def test_a_link_is_refused_for_another_address(client, provider):
    """The link is bound to the address it was sent to: after the contact's address changed,
    and for a link re-signed for another address, it is refused."""
    ask_link(client, "kim@delob.example")
    token = sent_token("kim@delob.example")
    link = PortalSignInLink.objects.get(contact__isnull=False)
    secret = read_token(services.TOKEN_PURPOSE, token).split(":", 2)[2]
    forged = make_token(
        services.TOKEN_PURPOSE,
        f"{link.pk}:{services.address_key('mallory@example.org')}:{secret}",
    )
    response = client.post(f"/portaal/inloggen/{forged}/")
    assert response.status_code == 400
    assert "ander e-mailadres" in response.content.decode()
    PortalContact.objects.update(email="nieuw@delob.example")
    response = client.post(f"/portaal/inloggen/{token}/")
    assert response.status_code == 400
    assert "ander e-mailadres" in response.content.decode()
    assert client.get("/portaal/").status_code == 302


def test_a_forged_or_garbled_link_is_refused(client, provider):
    for token in ("niets", make_token(services.TOKEN_PURPOSE, "1:abc:def"), "a" * 300):
        response = client.post(f"/portaal/inloggen/{token}/")
        assert response.status_code == 400
        assert "niet geldig" in response.content.decode()


def test_links_per_address_are_limited_without_telling(client, provider):
    for _ in range(services.LINKS_PER_ADDRESS_PER_HOUR + 2):
        response = ask_link(client, "kim@delob.example")
        assert response.status_code == 302
    sent = len(mails_to("kim@delob.example"))
    assert sent == services.LINKS_PER_ADDRESS_PER_HOUR


def test_sign_in_requests_are_rate_limited_per_client(client, provider, settings):
    settings.SPORTLOKET_PUBLIC_FORM_RATE = 2
    for _ in range(2):
        assert client.post("/portaal/inloggen/", {"email": "x@example.org"}).status_code == 302
    response = client.post("/portaal/inloggen/", {"email": "x@example.org"})
    assert response.status_code == 429
    assert PortalSignInLink.objects.count() == 2


def test_a_bad_address_gets_a_dutch_message_and_nothing_is_stored(client, provider):
    response = client.post("/portaal/inloggen/", {"email": "geen-adres"})
    assert response.status_code == 400
    assert "Voer een geldig e-mailadres in." in response.content.decode()
    assert not PortalSignInLink.objects.exists()


def test_pending_erased_or_revoked_contacts_get_no_link(client, provider):
    ProviderFactory(pending=True, email="wacht@example.org")
    ask_link(client, "wacht@example.org")
    assert not OutgoingEmail.objects.exists()
    ask_link(client, "kim@delob.example")
    PortalContact.objects.update(revoked_at=timezone.now())
    cache_clear()
    ask_link(client, "kim@delob.example")
    assert OutgoingEmail.objects.count() == 1


def cache_clear():
    from django.core.cache import cache

    cache.clear()


def test_a_revoked_contact_is_signed_out_and_its_link_refused(client, provider):
    ask_link(client, "kim@delob.example")
    token = sent_token("kim@delob.example")
    ask_link(client, "kim@delob.example")
    second = sent_token("kim@delob.example")
    client.post(f"/portaal/inloggen/{token}/")
    assert client.get("/portaal/").status_code == 200
    PortalContact.objects.update(revoked_at=timezone.now())
    assert client.get("/portaal/").status_code == 302
    response = client.post(f"/portaal/inloggen/{second}/")
    assert response.status_code == 400
    assert "geen toegang" in response.content.decode()


def test_a_portal_session_ends_after_its_lifetime(client, provider):
    sign_in(client, "kim@delob.example")
    session = client.session
    state = session[services.SESSION_KEY]
    state["at"] = (timezone.now() - services.SESSION_LIFETIME - dt.timedelta(1)).isoformat()
    session[services.SESSION_KEY] = state
    session.save()
    assert client.get("/portaal/").status_code == 302


def test_a_portal_contact_is_no_staff_user(client, provider, desk):
    sign_in(client, "kim@delob.example")
    assert client.get("/portaal/").status_code == 200
    for url in ("/loket/hulpvragen/", "/aanbieders/", "/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/account/login/")
    assert "_auth_user_id" not in client.session


# --- The organisation's questions --------------------------------------------------------------


def test_home_lists_the_own_questions_only_in_constant_queries(
    client, provider, other_provider, desk, django_assert_max_num_queries
):
    SupportRequestFactory(desk=desk, provider=provider, subject="Vrijwilligers gezocht")
    SupportRequestFactory(desk=desk, provider=other_provider, subject="Zwembadhuur")
    sign_in(client, "kim@delob.example")
    page = client.get("/portaal/").content.decode()
    assert "Vrijwilligers gezocht" in page
    assert "Zwembadhuur" not in page
    with CaptureQueriesContext(connection) as few:
        client.get("/portaal/")
    for n in range(5):
        SupportRequestFactory(desk=desk, provider=provider, subject=f"Vraag {n}")
    with CaptureQueriesContext(connection) as many:
        client.get("/portaal/")
    assert len(many) == len(few)


def test_another_organisations_question_is_404(client, provider, other_provider, desk):
    mine = SupportRequestFactory(desk=desk, provider=provider)
    theirs = SupportRequestFactory(desk=desk, provider=other_provider)
    sign_in(client, "kim@delob.example")
    assert client.get(f"/portaal/hulpvragen/{mine.pk}/").status_code == 200
    assert client.get(f"/portaal/hulpvragen/{theirs.pk}/").status_code == 404
    response = client.post(f"/portaal/hulpvragen/{theirs.pk}/", {"text": "Hallo"})
    assert response.status_code == 404
    assert not SupportRequestEvent.objects.filter(support_request=theirs).exists()


def test_the_question_page_shows_status_and_public_history(client, provider, desk, supporter):
    from meetings.support.services import support_request_message

    question = SupportRequestFactory(desk=desk, provider=provider, subject="Vrijwilligers")
    support_request_message(request=question, text="Intern: lastig", by=supporter, public=False)
    support_request_message(request=question, text="We bellen u morgen", by=supporter, public=True)
    sign_in(client, "kim@delob.example")
    page = client.get(f"/portaal/hulpvragen/{question.pk}/").content.decode()
    assert 'id="public-status"' in page
    assert "We bellen u morgen" in page
    assert "Intern: lastig" not in page


def test_adding_information_uses_the_status_pages_service(client, provider, desk):
    question = SupportRequestFactory(
        desk=desk, provider=provider, status=SupportStatus.WAITING_FOR_PROVIDER
    )
    sign_in(client, "kim@delob.example")
    response = client.post(f"/portaal/hulpvragen/{question.pk}/", {"text": "Het is 12 leden"})
    assert response.status_code == 302
    event = SupportRequestEvent.objects.get(
        support_request=question, kind=EventKind.PROVIDER_MESSAGE
    )
    assert event.text == "Het is 12 leden"
    assert event.public
    question.refresh_from_db()
    assert question.status == SupportStatus.TRIAGED
    assert question.new_info_at is not None


def test_adding_nothing_or_to_a_closed_question_is_refused_in_dutch(client, provider, desk):
    question = SupportRequestFactory(desk=desk, provider=provider)
    closed = SupportRequestFactory(desk=desk, provider=provider, status=SupportStatus.CLOSED)
    sign_in(client, "kim@delob.example")
    response = client.post(f"/portaal/hulpvragen/{question.pk}/", {"text": ""})
    assert response.status_code == 400
    assert "Dit veld is verplicht." in response.content.decode()
    response = client.post(f"/portaal/hulpvragen/{closed.pk}/", {"text": "Nog iets"})
    assert response.status_code == 400
    assert "Deze vraag is afgesloten" in response.content.decode()
    assert not SupportRequestEvent.objects.exists()


def test_a_new_question_is_prefilled_and_goes_to_the_organisations_desk(client, provider, desk):
    sign_in(client, "kim@delob.example")
    page = client.get("/portaal/hulpvragen/nieuw/").content.decode()
    assert "Tennisclub De Lob" in page
    assert "Kim de Boer" in page
    response = client.post(
        "/portaal/hulpvragen/nieuw/",
        {"contact_name": "Kim de Boer", "subject": "Subsidie", "question": "Welke regeling?"},
    )
    question = SupportRequest.objects.get()
    assert response["Location"] == f"/portaal/hulpvragen/{question.pk}/"
    assert question.provider == provider
    assert question.desk == desk
    assert question.requester_email == "kim@delob.example"
    assert Provider.objects.count() == 1
    assert OutgoingEmail.objects.filter(key=f"support-request-received:{question.pk}").exists()


def test_a_bad_new_question_gets_dutch_messages_and_nothing_is_saved(client, provider, desk):
    sign_in(client, "kim@delob.example")
    response = client.post(
        "/portaal/hulpvragen/nieuw/", {"contact_name": "Kim", "subject": "", "question": "x" * 6000}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Dit veld is verplicht." in body
    assert "niet meer dan 5000 teken" in body
    assert not SupportRequest.objects.exists()


def test_without_a_desk_for_the_municipality_the_question_is_refused(client, desk):
    ProviderFactory(email="ams@example.org", municipality=municipality("GM0363"))
    sign_in(client, "ams@example.org")
    response = client.post(
        "/portaal/hulpvragen/nieuw/",
        {"contact_name": "Kim", "subject": "Vraag", "question": "Hoe?"},
    )
    assert response.status_code == 400
    assert "nog geen sport- en beweegloket voor Amsterdam" in response.content.decode()
    assert not SupportRequest.objects.exists()


# --- Digest, export, erasure ---------------------------------------------------------------------


def test_the_digest_subscription_is_switched_off_and_on(client, provider):
    sign_in(client, "kim@delob.example")
    assert client.post("/portaal/nieuwsbrief/", {}).status_code == 302
    assert DigestOptOut.objects.filter(provider=provider).exists()
    assert client.post("/portaal/nieuwsbrief/", {"subscribed": "on"}).status_code == 302
    assert not DigestOptOut.objects.filter(provider=provider).exists()


def test_the_export_holds_the_organisations_data_and_questions(client, provider, desk):
    SupportRequestFactory(desk=desk, provider=provider, subject="Vrijwilligers")
    sign_in(client, "kim@delob.example")
    response = client.post("/portaal/gegevens/export/")
    assert response.status_code == 200
    data = json.loads(response.content)
    assert data["contact"]["email"] == "kim@delob.example"
    assert [q["subject"] for q in data["support_questions"]] == ["Vrijwilligers"]
    assert data["portal_contacts"][0]["email"] == "kim@delob.example"


def test_erasure_needs_the_tick_then_erases_and_signs_out(client, provider):
    sign_in(client, "kim@delob.example")
    response = client.post("/portaal/gegevens/", {})
    assert response.status_code == 400
    assert "Vink het vakje aan" in response.content.decode()
    provider.refresh_from_db()
    assert provider.erased_at is None
    response = client.post("/portaal/gegevens/", {"confirm": "on"})
    assert response.status_code == 302
    provider.refresh_from_db()
    assert provider.erased_at is not None
    assert provider.email == ""
    assert not PortalContact.objects.exists()
    assert not PortalSignInLink.objects.exists()
    assert client.get("/portaal/").status_code == 302


def test_expired_links_are_deleted_by_the_retention_sweep(client, provider):
    from sportloket.retention import retention_sweep  # noqa: PLC0415

    ask_link(client, "kim@delob.example")
    ask_link(client, "nobody@example.org")
    PortalSignInLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    retention_sweep()
    assert not PortalSignInLink.objects.exists()


# --- Colleagues and the desk's revocation --------------------------------------------------------


def test_a_contact_invites_a_colleague_who_then_signs_in(client, provider, desk):
    sign_in(client, "kim@delob.example")
    response = client.post("/portaal/collegas/", {"name": "Piet", "email": "piet@delob.example"})
    assert response.status_code == 302
    colleague = PortalContact.objects.get(email="piet@delob.example")
    assert colleague.provider == provider
    invitation = OutgoingEmail.objects.get(key=f"portal-invite:{colleague.pk}")
    assert "/portaal/inloggen/" in invitation.body
    assert not LINK.search(invitation.body.replace("/portaal/inloggen/\n", ""))
    client.post("/portaal/uitloggen/")
    sign_in(client, "piet@delob.example")
    assert "Tennisclub De Lob" in client.get("/portaal/").content.decode()


def test_inviting_twice_or_a_bad_address_is_refused_in_dutch(client, provider):
    sign_in(client, "kim@delob.example")
    response = client.post("/portaal/collegas/", {"name": "Kim", "email": "KIM@delob.example"})
    assert response.status_code == 400
    assert "heeft al toegang" in response.content.decode()
    response = client.post("/portaal/collegas/", {"name": "", "email": "geen"})
    assert response.status_code == 400
    assert "Voer een geldig e-mailadres in." in response.content.decode()
    assert PortalContact.objects.count() == 1


def test_the_desk_revokes_access_of_its_own_areas_contacts_only(client, provider, supporter):
    sign_in(client, "kim@delob.example")
    contact = PortalContact.objects.get()
    amsterdam_desk = DeskFactory(municipalities=[municipality("GM0363")])
    elsewhere = PortalContact.objects.create(
        provider=ProviderFactory(municipality=municipality("GM0363")), email="a@example.org"
    )
    from django.test import Client  # noqa: PLC0415

    desk_client = Client()
    desk_client.force_login(supporter)
    # The desk finds the page in its menu.
    assert 'href="/loket/portaal/"' in desk_client.get("/loket/hulpvragen/").content.decode()
    page = desk_client.get("/loket/portaal/").content.decode()
    assert "kim@delob.example" in page
    assert "a@example.org" not in page
    assert desk_client.post(f"/loket/portaal/{elsewhere.pk}/intrekken/").status_code == 404
    assert desk_client.post(f"/loket/portaal/{contact.pk}/intrekken/").status_code == 302
    contact.refresh_from_db()
    assert contact.revoked_by == supporter
    assert client.get("/portaal/").status_code == 302
    # A revoked address cannot ask itself back in, nor be invited back by a colleague.
    cache_clear()
    before = OutgoingEmail.objects.count()
    ask_link(client, "kim@delob.example")
    assert OutgoingEmail.objects.count() == before
    assert amsterdam_desk.pk


@pytest.fixture
def supporter(desk):
    from tests.factories import StaffProfileFactory  # noqa: PLC0415

    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="sanne").user


def test_portal_contacts_of_a_provider_erased_by_the_desk_are_deleted_by_the_sweep(provider):
    from providers.services import provider_erase_personal_data  # noqa: PLC0415
    from sportloket.retention import retention_sweep  # noqa: PLC0415

    PortalContact.objects.create(provider=provider, email=provider.email)
    provider_erase_personal_data(provider=provider, actor=None)
    retention_sweep()
    assert not PortalContact.objects.exists()
