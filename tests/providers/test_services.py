from unittest import mock

import pytest
from django.core import mail, signing
from django.test import override_settings
from django.utils import timezone

from providers import services
from providers.constants import ProviderSource, ProviderStatus, SafetyStatus
from providers.models import Provider
from providers.selectors import eligible_q, provider_find, provider_is_eligible
from sportloket import tasks
from sportloket.models import AuditEvent, OutgoingEmail, Sport
from sportloket.selectors import audit_events_for
from sportloket.tokens import make_token
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db


def register_data(utrecht, **overrides):
    data = {
        "name": "FitLab Zuilen",
        "kind": "entrepreneur",
        "kvk_number": "87654321",
        "municipality": utrecht,
        "postcode": "3553 AB",
        "city": "Utrecht",
        "contact_name": "Kim de Boer",
        "email": "kim@fitlab.example",
        "phone": "+31612345678",
        "sports": list(Sport.objects.filter(slug="fitness")),
        "target_groups": [],
        "privacy_consent": True,
    }
    data.update(overrides)
    return data


def confirm_link_token(email):
    return email.body.split("/aanmelden/bevestigen/")[1].split("/")[0]


def test_register_creates_pending_provider_and_enqueues_mail_after_commit(
    utrecht, django_capture_on_commit_callbacks
):
    with mock.patch.object(tasks.send_outgoing_email, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            registration = services.provider_register(data=register_data(utrecht))
        delay.assert_not_called()
        for callback in callbacks:
            callback()
    provider = registration.provider
    assert registration.created
    assert provider.status == ProviderStatus.PENDING
    assert provider.source == ProviderSource.INTEREST_FORM
    assert provider.privacy_consent_at is not None
    assert list(provider.sports.values_list("slug", flat=True)) == ["fitness"]
    email = OutgoingEmail.objects.get(key=f"provider:{provider.pk}:confirm")
    delay.assert_called_once_with(email.pk)
    assert email.to == ["kim@fitlab.example"]


def test_confirmation_link_activates_provider_once(utrecht, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        provider = services.provider_register(data=register_data(utrecht)).provider
    token = confirm_link_token(mail.outbox[0])
    confirmed = services.provider_confirm_email(token=token)
    assert confirmed.status == ProviderStatus.ACTIVE
    assert confirmed.confirmed_at is not None
    services.provider_confirm_email(token=token)  # a second click changes nothing
    actions = list(audit_events_for(provider).values_list("action", flat=True))
    assert actions.count("confirm_email") == 1


def test_expired_confirmation_link_is_refused(utrecht):
    provider = services.provider_register(data=register_data(utrecht)).provider
    token = services.confirmation_token(provider)
    with override_settings(SPORTLOKET_CONFIRMATION_MAX_AGE=-1):
        with pytest.raises(services.ProviderError, match="verlopen|expired"):
            services.provider_confirm_email(token=token)
    provider.refresh_from_db()
    assert provider.status == ProviderStatus.PENDING


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        signing.dumps("1:x", salt="other-purpose"),
        make_token("provider-confirm", "999999:0123456789abcdef0123"),
        make_token("provider-confirm", "abc"),
    ],
)
def test_forged_or_foreign_confirmation_link_is_refused(utrecht, token):
    services.provider_register(data=register_data(utrecht))
    with pytest.raises(services.ProviderError):
        services.provider_confirm_email(token=token)
    assert not Provider.objects.filter(status=ProviderStatus.ACTIVE).exists()


def test_link_sent_to_old_address_is_refused_after_address_change(utrecht, club_supporter):
    provider = services.provider_register(data=register_data(utrecht)).provider
    token = services.confirmation_token(provider)
    services.provider_update(provider=provider, data={"email": "new@x.example"}, actor=None)
    with pytest.raises(services.ProviderError):
        services.provider_confirm_email(token=token)


def test_registering_same_kvk_again_creates_no_second_provider_and_resends_once_a_day(
    utrecht, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.provider_register(data=register_data(utrecht)).provider
        again = services.provider_register(data=register_data(utrecht, name="Other name"))
        third = services.provider_register(data=register_data(utrecht, email="x@y.example"))
    assert not again.created
    assert not third.created
    assert again.provider.pk == first.pk
    assert Provider.objects.count() == 1
    assert len(mail.outbox) == 2  # the first link, and one reminder today


def test_registering_same_email_and_name_without_kvk_is_recognised(utrecht):
    data = register_data(utrecht, kind="club", kvk_number="")
    first = services.provider_register(data=data).provider
    again = services.provider_register(data={**data, "name": "FITLAB ZUILEN"})
    assert again.provider.pk == first.pk
    assert Provider.objects.count() == 1


def test_registering_known_active_provider_mails_only_its_own_address(utrecht):
    known = ProviderFactory(kvk_number="87654321", email="bestuur@bekend.example")
    result = services.provider_register(data=register_data(utrecht))
    assert not result.created
    (email,) = OutgoingEmail.objects.all()
    assert email.to == ["bestuur@bekend.example"]
    assert email.key == f"provider:{known.pk}:registered-again:{timezone.localdate().isoformat()}"


def test_staff_create_is_active_and_audited(utrecht, club_supporter):
    provider = services.provider_create(
        data=register_data(utrecht, privacy_consent=False), actor=club_supporter
    )
    assert provider.status == ProviderStatus.ACTIVE
    assert provider.source == ProviderSource.STAFF
    assert provider.created_by == club_supporter
    event = audit_events_for(provider).get()
    assert (event.actor, event.action) == (club_supporter, "create")


def test_staff_create_with_existing_kvk_is_refused(utrecht, club_supporter):
    ProviderFactory(kvk_number="87654321")
    with pytest.raises(services.ProviderError):
        services.provider_create(data=register_data(utrecht), actor=club_supporter)
    assert Provider.objects.count() == 1


def test_update_records_who_and_what_changed(club_supporter):
    provider = ProviderFactory(name="Oud", vog_status=SafetyStatus.NOT_MET)
    changes = services.provider_update(
        provider=provider,
        data={"name": "Nieuw", "vog_status": SafetyStatus.MET, "sports": []},
        actor=club_supporter,
    )
    assert changes == {"name": ["Oud", "Nieuw"], "vog_status": ["not_met", "met"]}
    event = audit_events_for(provider).get()
    assert event.actor == club_supporter
    assert event.changes == changes


def test_update_without_changes_writes_nothing(club_supporter):
    provider = ProviderFactory(name="Zelfde")
    assert services.provider_update(provider=provider, data={"name": "Zelfde"}, actor=None) == {}
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("start", "action", "end"),
    [
        ("pending", "confirm", "active"),
        ("pending", "deactivate", "inactive"),
        ("active", "deactivate", "inactive"),
        ("inactive", "reactivate", "active"),
    ],
)
def test_status_transitions(club_supporter, start, action, end):
    provider = ProviderFactory(status=start)
    services.provider_set_status(provider=provider, action=action, actor=club_supporter)
    provider.refresh_from_db()
    assert provider.status == end
    assert audit_events_for(provider).get().action == action


@pytest.mark.parametrize(
    ("start", "action"),
    [("active", "confirm"), ("inactive", "deactivate"), ("active", "reactivate"), ("x", "bogus")],
)
def test_impossible_status_transitions_are_refused(club_supporter, start, action):
    provider = ProviderFactory(status=start)
    with pytest.raises(services.ProviderError):
        services.provider_set_status(provider=provider, action=action, actor=club_supporter)
    assert not AuditEvent.objects.exists()


def test_confirming_a_deactivated_registration_is_refused(utrecht, club_supporter):
    provider = services.provider_register(data=register_data(utrecht)).provider
    services.provider_set_status(provider=provider, action="deactivate", actor=club_supporter)
    with pytest.raises(services.ProviderError):
        services.provider_confirm_email(token=services.confirmation_token(provider))


def test_erase_anonymises_contact_everywhere_but_keeps_provider(
    utrecht, club_supporter, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        provider = services.provider_register(data=register_data(utrecht)).provider
    services.provider_update(
        provider=provider, data={"contact_name": "Jan Jansen"}, actor=club_supporter
    )
    services.provider_erase_personal_data(provider=provider, actor=club_supporter)
    provider.refresh_from_db()
    assert (provider.contact_name, provider.email, str(provider.phone)) == ("", "", "")
    assert provider.erased_at is not None
    assert provider.name == "FitLab Zuilen"
    text = str(list(audit_events_for(provider).values_list("changes", "summary")))
    assert "Jan Jansen" not in text
    assert "Kim de Boer" not in text
    assert not OutgoingEmail.objects.filter(key__startswith=f"provider:{provider.pk}:").exists()


def test_personal_data_export_lists_contact_and_emails(utrecht, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        provider = services.provider_register(data=register_data(utrecht)).provider
    data = services.provider_personal_data(provider=provider)
    assert data["contact"]["email"] == "kim@fitlab.example"
    assert data["contact"]["phone"] == "+31612345678"
    assert len(data["emails_sent"]) == 1


@pytest.mark.parametrize(
    ("statuses", "eligible"),
    [
        (("met", "met", "met", "met"), True),
        (("in_progress", "met", "in_progress", "met"), True),
        (("met", "met", "met", "not_met"), False),
        (("not_met", "in_progress", "in_progress", "in_progress"), False),
    ],
)
def test_eligibility_rule_is_the_same_in_python_and_sql(statuses, eligible):
    vog, vcp, code, qual = statuses
    provider = ProviderFactory(
        vog_status=vog,
        vcp_status=vcp,
        code_of_conduct_status=code,
        trainer_qualification_status=qual,
        elearning_status="not_met",
    )
    assert provider_is_eligible(provider) is eligible
    assert Provider.objects.filter(eligible_q(), pk=provider.pk).exists() is eligible


def test_provider_find_by_kvk_or_email_and_name():
    provider = ProviderFactory(kvk_number="11112222", email="a@b.example", name="Club X")
    assert provider_find(kvk_number="11112222") == provider
    assert provider_find(email="A@B.example", name="club x") == provider
    assert provider_find(email="a@b.example") is None
    assert provider_find(kvk_number="99998888", email="a@b.example", name="Club X") == provider


def test_simultaneous_registration_with_same_kvk_answers_as_known(utrecht):
    existing = ProviderFactory(kvk_number="87654321")
    with mock.patch.object(services, "provider_find", return_value=None) as find:
        find.side_effect = [None, existing]
        result = services.provider_register(data=register_data(utrecht))
    assert not result.created
    assert result.provider == existing
    assert Provider.objects.count() == 1


def test_erase_also_deletes_other_mail_to_the_address_but_not_anyone_elses(utrecht, club_supporter):
    """A shared scheme or digest is keyed by the scheme, not by ``provider:<pk>``; it went to
    the provider's address, so the erasure deletes it too (any case of the address)."""
    provider = ProviderFactory(email="kim@fitlab.example")
    for key, to in [
        ("scheme-share:7:1", ["KIM@fitlab.example"]),
        ("scheme-digest:1:abc", ["kim@fitlab.example"]),
        ("scheme-share:7:2", ["nietkim@fitlab.example"]),  # contains the address as text
    ]:
        OutgoingEmail.objects.create(key=key, to=to, subject="Regeling", body="Tekst")
    services.provider_erase_personal_data(provider=provider, actor=club_supporter)
    assert list(OutgoingEmail.objects.values_list("key", flat=True)) == ["scheme-share:7:2"]


@pytest.mark.django_db(transaction=True)
def test_simultaneous_registration_on_its_own_rolls_back_and_answers_as_known(utrecht):
    """The public form calls the service outside any transaction: a KvK number taken by a
    simultaneous submission rolls the whole registration back (no savepoint) and answers with
    the provider that won, leaving no audit event or e-mail of the one that lost."""
    existing = ProviderFactory(kvk_number="87654321")
    with mock.patch.object(services, "provider_find", return_value=None) as find:
        find.side_effect = [None, existing]
        result = services.provider_register(data=register_data(utrecht))
    assert not result.created
    assert result.provider == existing
    assert Provider.objects.count() == 1
    assert not AuditEvent.objects.filter(action="register").exists()
    assert not OutgoingEmail.objects.exists()


def test_the_confirmation_is_rendered_by_the_worker_in_dutch(
    utrecht, django_capture_on_commit_callbacks
):
    """The request stores the e-mail's template and plain values only; the worker renders it
    with the link and the fixed subject (nothing a stranger typed)."""
    with django_capture_on_commit_callbacks(execute=False):
        provider = services.provider_register(data=register_data(utrecht)).provider
    email = OutgoingEmail.objects.get(key=f"provider:{provider.pk}:confirm")
    assert (email.subject, email.body, email.template) == ("", "", "providers/emails/confirm")
    assert email.context["provider"] == {
        "pk": provider.pk,
        "name": "FitLab Zuilen",
        "contact_name": provider.contact_name,
    }
    assert tasks.send_outgoing_email(email.pk) is True
    (message,) = mail.outbox
    assert message.subject == f"Bevestig uw aanmelding bij Sportloket (nr. {provider.pk})"
    assert message.body.startswith(f"Beste {provider.contact_name},")
    token = confirm_link_token(message)
    assert services.provider_confirm_email(token=token).status == ProviderStatus.ACTIVE
