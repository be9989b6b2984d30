"""The news update's services: drafts with their refusals, sending exactly once per recipient
(started twice, delivered twice, a claim left by a killed worker), opt-in and unsubscribe, the
audit trail, and a sweep whose statements do not grow with the recipients."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import connection, models
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from network.news import selectors, services
from network.news.constants import Audience, UpdateStatus
from network.news.models import NewsDelivery, NewsSubscription, NewsUpdate
from poskantoor.constants import OfficeStatus
from providers.constants import ProviderKind, ProviderStatus
from sportloket.models import AuditEvent, OutgoingEmail
from sportloket.notices import RESEND_AFTER
from sportloket.services import DomainError
from tests.factories import ProviderFactory

from .news_helpers import draft, network_of, offices, subscribe

pytestmark = pytest.mark.django_db


def deliver(captured, update) -> None:
    """Run what the on-commit callback queued: the delivery task, in this process."""
    for callback in captured:
        callback()


def keys(update) -> list[str]:
    return sorted(
        OutgoingEmail.objects.filter(key__startswith=f"news-update:{update.pk}:").values_list(
            "key", flat=True
        )
    )


def recipients_of(update) -> list[str]:
    return sorted(
        address
        for to in OutgoingEmail.objects.filter(
            key__startswith=f"news-update:{update.pk}:"
        ).values_list("to", flat=True)
        for address in to
    )


# --- Drafts ------------------------------------------------------------------------------------


def test_a_draft_is_saved_and_audited(pos_staff):
    update = draft(pos_staff)
    assert update.status == UpdateStatus.DRAFT
    assert update.created_by == pos_staff
    assert AuditEvent.objects.filter(action="news_update_created", object_id=str(update.pk))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "  "}, "Geef de update een titel."),
        ({"body": ""}, "Schrijf de tekst van de update."),
        ({"link": "javascript:alert(1)"}, "De link moet een webadres zijn"),
        ({"link": "ftp://pos.nl/x"}, "De link moet een webadres zijn"),
        ({"audience": "iedereen"}, "Kies wie de update ontvangt."),
        ({"audience": Audience.OFFICE, "office": None}, "Kies het POS-kantoor"),
    ],
)
def test_bad_input_is_refused_in_dutch_and_nothing_is_saved(pos_staff, data, message):
    with pytest.raises(DomainError, match=message):
        draft(pos_staff, **data)
    assert not NewsUpdate.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="news_").exists()


def test_an_update_for_a_stopped_office_is_refused(pos_staff):
    office, _other = offices()
    office.status = OfficeStatus.STOPPED
    office.stopped_on = dt.date(2026, 6, 1)
    office.save()
    with pytest.raises(DomainError, match="gestopt"):
        draft(pos_staff, office=office)


def test_a_national_update_keeps_no_office(pos_staff):
    office, _other = offices()
    update = draft(pos_staff, office=office, audience=Audience.NATIONAL)
    assert update.office is None


def test_a_sent_update_can_no_longer_be_changed(pos_staff, django_capture_on_commit_callbacks):
    office, _other = offices()
    network_of(office)
    update = draft(pos_staff, office=office)
    services.news_update_send(update=update, by=pos_staff)
    with pytest.raises(DomainError, match="kan niet meer worden gewijzigd"):
        services.news_update_save(
            update=update,
            data={"title": "Anders", "body": "x", "audience": Audience.NATIONAL},
            by=pos_staff,
        )
    assert NewsUpdate.objects.get(pk=update.pk).title == "Nieuws uit het netwerk"


# --- Recipients --------------------------------------------------------------------------------


def test_an_office_update_reaches_its_core_group_and_entrepreneurs_who_opted_in(pos_staff):
    utrecht, amsterdam = offices()
    ours = network_of(utrecht, members=2, entrepreneurs=2)
    network_of(amsterdam)
    ProviderFactory(municipality=utrecht.municipality, email="niet-aangemeld@example.org")
    club = ProviderFactory(
        municipality=utrecht.municipality, kind=ProviderKind.CLUB, email="club@example.org"
    )
    subscribe(club.email)  # a club is not an entrepreneur of the network
    pending = ProviderFactory(
        municipality=utrecht.municipality, status=ProviderStatus.PENDING, email="p@example.org"
    )
    subscribe(pending.email)
    update = draft(pos_staff, office=utrecht)
    assert sorted(selectors.recipients(update=update).values_list("email", flat=True)) == sorted(
        ours
    )


def test_a_national_update_reaches_every_office_that_has_not_stopped(pos_staff):
    utrecht, amsterdam = offices()
    addresses = network_of(utrecht) + network_of(amsterdam)
    amsterdam.status = OfficeStatus.STOPPED
    amsterdam.stopped_on = dt.date(2026, 6, 1)
    amsterdam.save()
    update = draft(pos_staff)
    got = sorted(selectors.recipients(update=update).values_list("email", flat=True))
    assert got == sorted(a for a in addresses if a.startswith("gm0344"))


def test_someone_in_a_core_group_and_an_entrepreneur_gets_one_email(
    pos_staff, django_capture_on_commit_callbacks
):
    office, _other = offices()
    network_of(office)
    ProviderFactory(municipality=office.municipality, email="GM0344-lid0@example.org")
    update = draft(pos_staff, office=office)
    with django_capture_on_commit_callbacks(execute=True):
        services.news_update_send(update=update, by=pos_staff)
    assert recipients_of(update) == ["gm0344-lid0@example.org", "gm0344-ondernemer0@example.org"]


# --- Sending exactly once ----------------------------------------------------------------------


def test_send_queues_one_email_per_recipient_and_marks_the_update_sent(
    pos_staff, django_capture_on_commit_callbacks
):
    office, _other = offices()
    addresses = network_of(office, members=2, entrepreneurs=3)
    update = draft(pos_staff, office=office)
    with django_capture_on_commit_callbacks(execute=True):
        services.news_update_send(update=update, by=pos_staff)
    update.refresh_from_db()
    assert update.status == UpdateStatus.SENT
    assert update.recipient_count == 5
    assert update.sent_by == pos_staff
    assert update.sent_at is not None
    assert recipients_of(update) == sorted(addresses)
    assert len(mail.outbox) == 5
    message = mail.outbox[0]
    assert message.subject == "POS-lokaal: Nieuws uit het netwerk"
    assert "/pos-lokaal/afmelden/" in message.body
    html = message.alternatives[0][0]
    assert "<strong>nieuws</strong>" in html
    assert "/pos-lokaal/afmelden/" in html
    actions = set(
        AuditEvent.objects.filter(object_id=str(update.pk)).values_list("action", flat=True)
    )
    assert {"news_update_sent", "news_update_delivered"} <= actions


def test_starting_to_send_twice_sends_once(pos_staff, django_capture_on_commit_callbacks):
    office, _other = offices()
    network_of(office, members=2)
    update = draft(pos_staff, office=office)
    with django_capture_on_commit_callbacks(execute=True):
        services.news_update_send(update=update, by=pos_staff)
        with pytest.raises(DomainError, match="wordt al verstuurd"):
            services.news_update_send(update=update, by=pos_staff)
    assert len(keys(update)) == 3
    assert len(mail.outbox) == 3


def test_sending_to_nobody_is_refused_and_the_draft_stays(pos_staff):
    office, _other = offices()
    update = draft(pos_staff, office=office)
    with pytest.raises(DomainError, match="Niemand"):
        services.news_update_send(update=update, by=pos_staff)
    assert NewsUpdate.objects.get(pk=update.pk).status == UpdateStatus.DRAFT


def test_delivering_twice_and_the_periodic_sweep_have_no_second_effect(
    pos_staff, django_capture_on_commit_callbacks
):
    office, _other = offices()
    network_of(office, members=2, entrepreneurs=2)
    update = draft(pos_staff, office=office)
    with django_capture_on_commit_callbacks(execute=True):
        services.news_update_send(update=update, by=pos_staff)
    before = keys(update)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.news_send_pending(update_id=update.pk) == 0
        assert services.news_send_pending() == 0
    assert keys(update) == before
    assert len(before) == 4
    assert NewsDelivery.objects.filter(update=update).count() == 4


def test_a_claim_left_by_a_killed_worker_is_sent_once_by_a_later_sweep(pos_staff):
    """Between claim and send the worker dies: the claims are committed, nothing is queued; the
    next sweep (after ``RESEND_AFTER``) sends each claim once, and the update is then sent."""
    office, _other = offices()
    network_of(office, members=2, entrepreneurs=2)
    update = draft(pos_staff, office=office)
    NewsUpdate.objects.filter(pk=update.pk).update(
        status=UpdateStatus.SENDING, send_started_at=timezone.now()
    )
    claimed = services.news_deliveries_sweep(update_id=update.pk).claimed
    assert len(claimed) == 4
    assert not OutgoingEmail.objects.exists()
    # A later subscriber is not added to an update whose recipients were fixed.
    ProviderFactory(municipality=office.municipality, email="later@example.org")
    subscribe("later@example.org")
    NewsDelivery.objects.update(created_at=models.F("created_at") - RESEND_AFTER * 2)
    assert services.news_send_pending() == 4
    assert services.news_send_pending() == 0
    assert len(keys(update)) == 4
    update.refresh_from_db()
    assert update.status == UpdateStatus.SENT
    assert update.recipient_count == 4


def test_someone_who_unsubscribed_between_claim_and_send_gets_nothing(pos_staff):
    office, _other = offices()
    first, second = network_of(office)
    update = draft(pos_staff, office=office)
    NewsUpdate.objects.filter(pk=update.pk).update(
        status=UpdateStatus.SENDING, send_started_at=timezone.now()
    )
    result = services.news_deliveries_sweep(update_id=update.pk)
    services.news_unsubscribe(subscription=NewsSubscription.objects.get(email=first))
    assert services.news_deliveries_send(notice_ids=result.to_send) == 1
    services.news_updates_complete()
    update.refresh_from_db()
    assert recipients_of(update) == [second]
    assert update.status == UpdateStatus.SENT
    assert update.recipient_count == 1


@pytest.mark.parametrize("size", [3, 30])
def test_the_sweep_costs_the_same_statements_whatever_the_number_of_recipients(pos_staff, size):
    """The claim is one INSERT … SELECT: 3 or 30 recipients, the same statements (each send is
    then its own short transaction with a fixed number of statements)."""
    office, _other = offices()
    network_of(office, members=size, entrepreneurs=size)
    update = draft(pos_staff, office=office)
    NewsUpdate.objects.filter(pk=update.pk).update(
        status=UpdateStatus.SENDING, send_started_at=timezone.now()
    )
    with CaptureQueriesContext(connection) as sweep:
        result = services.news_deliveries_sweep(update_id=update.pk)
    assert len(result.claimed) == 2 * size
    with CaptureQueriesContext(connection) as sends:
        services.news_deliveries_send(notice_ids=result.to_send)
    # Recorded for both sizes: the sweep is fixed, each send a fixed handful.
    assert len(sweep.captured_queries) == SWEEP_STATEMENTS
    assert len(sends.captured_queries) == SEND_STATEMENTS * 2 * size


# The sweep: SAVEPOINT, the pending updates, the conditional UPDATE fixing the recipients, the
# update, the INSERT … SELECT, this sweep's claims, older unsent claims, RELEASE.
SWEEP_STATEMENTS = 8
# One send (its own transaction; a savepoint inside the test's): SAVEPOINT, the conditional
# UPDATE, the delivery with its subscription and update, SAVEPOINT, INSERT into the outbox,
# RELEASE, RELEASE.
SEND_STATEMENTS = 7


# --- Opt-in and unsubscribe --------------------------------------------------------------------


def test_opt_in_by_confirmation_link_is_recorded_and_audited(django_capture_on_commit_callbacks):
    office, _other = offices()
    ProviderFactory(municipality=office.municipality, email="Kim@Example.org")
    with django_capture_on_commit_callbacks(execute=True):
        services.news_optin_request(email=" Kim@Example.org ")
        services.news_optin_request(email="kim@example.org")  # the same day: no second e-mail
    assert len(mail.outbox) == 1
    token = mail.outbox[0].body.split("/pos-lokaal/aanmelden/")[1].split("/")[0]
    subscription = services.news_subscribe(token=token)
    assert services.news_subscribe(token=token) == subscription
    assert subscription.email == "kim@example.org"
    assert subscription.opted_in_at is not None
    assert subscription.source == "confirmation_link"
    assert AuditEvent.objects.filter(action="news_subscribed").count() == 1


def test_an_address_outside_every_network_gets_no_email_and_cannot_subscribe(
    django_capture_on_commit_callbacks,
):
    offices()
    with django_capture_on_commit_callbacks(execute=True):
        services.news_optin_request(email="onbekend@example.org")
    assert not mail.outbox
    token = services.make_token(services.OPTIN_PURPOSE, "onbekend@example.org")
    with pytest.raises(DomainError, match="niet meer bij het netwerk"):
        services.news_subscribe(token=token)
    assert not NewsSubscription.objects.exists()


def test_a_forged_or_foreign_link_is_refused(django_capture_on_commit_callbacks):
    for token in ("onzin", services.make_token("subsidies-digest-unsubscribe-v2", 1)):
        with pytest.raises(DomainError, match="niet geldig"):
            services.news_subscribe(token=token)
        with pytest.raises(DomainError, match="niet geldig"):
            services.subscription_for_unsubscribe_token(token=token)


def test_unsubscribe_forgets_the_address_at_once_and_is_idempotent():
    subscription = subscribe("weg@example.org")
    token = services.unsubscribe_url(subscription).rstrip("/").rsplit("/", 1)[1]
    assert services.subscription_for_unsubscribe_token(token=token) == subscription
    services.news_unsubscribe(subscription=subscription)
    services.news_unsubscribe(subscription=subscription)
    subscription.refresh_from_db()
    assert subscription.email is None
    assert subscription.unsubscribed_at is not None
    assert services.subscription_for_unsubscribe_token(token=token) is None
    assert AuditEvent.objects.filter(action="news_unsubscribed").count() == 1
