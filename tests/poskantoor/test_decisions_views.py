"""Pages of the joint GO / NO-GO: the office page's panel, the decision form, confirm and
object, refusals, roles and tenants; GO on the dashboard and in the CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from poskantoor.constants import Decision, OfficeStatus, StepCode
from poskantoor.decisions.constants import ProposalStatus
from tests.factories import ProviderFactory, StaffProfileFactory, municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def at_step_3(office, advance):
    return advance(office, ("2a", dt.date(2026, 2, 2)), ("2b", dt.date(2026, 2, 10)))


@pytest.fixture
def pos():
    return StaffProfileFactory(pos_staff=True).user


@pytest.fixture
def policy():
    return StaffProfileFactory(policy_staff=True).user


def post_decision(client, office, **data):
    url = reverse("poskantoor:decision_propose", args=[office.pk])
    return client.post(url, {"decided_on": "2026-03-05", **data})


def test_go_with_unmet_conditions_shows_them_asks_a_reason_then_waits_for_the_other_side(
    client, at_step_3, pos, policy
):
    office = at_step_3
    client.force_login(pos)
    page = client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    assert reverse("poskantoor:decision_propose", args=[office.pk]) in page
    form = client.get(reverse("poskantoor:decision_propose", args=[office.pk])).content.decode()
    assert 'data-unmet="mapped"' in form
    response = post_decision(client, office, decision=Decision.GO)
    assert response.status_code == 400
    assert "Niet aan alle basisvoorwaarden is voldaan" in response.content.decode()
    assert not office.decision_proposals.exists()
    response = post_decision(
        client, office, decision=Decision.GO, conditions_reason="Start met twee ondernemers"
    )
    assert response.status_code == 302
    proposal = office.decision_proposals.get()
    page = client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    assert f'data-proposal="{proposal.pk}"' in page
    assert "Wacht op de andere kant" in page
    assert reverse("poskantoor:decision_confirm", args=[office.pk, proposal.pk]) not in page

    client.force_login(policy)
    page = client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    confirm = reverse("poskantoor:decision_confirm", args=[office.pk, proposal.pk])
    assert confirm in page
    assert client.post(confirm).status_code == 302
    office.refresh_from_db()
    assert office.current_step == StepCode.START_MEETING
    page = client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    assert 'data-decision="go" data-status="confirmed"' in page
    assert "Start met twee ondernemers" in page
    assert "GO: startbijeenkomst voorbereiden" in page
    assert "bevestigd door" in page  # the audit trail names both sides


def test_the_proposing_side_cannot_confirm_through_the_page(client, at_step_3, pos, policy):
    office = at_step_3
    client.force_login(policy)
    post_decision(client, office, decision=Decision.NO_GO_STOP, reason="Geen draagvlak")
    proposal = office.decision_proposals.get()
    url = reverse("poskantoor:decision_confirm", args=[office.pk, proposal.pk])
    response = client.post(url, follow=True)
    # The page shows this side no confirm form: the office page again, the message at the top.
    assert response.status_code == 400
    assert "data-refusal" in response.content.decode()
    assert "De andere kant (POS) bevestigt" in response.content.decode()
    office.refresh_from_db()
    assert office.status != OfficeStatus.STOPPED


def test_objection_through_the_page_needs_a_reason_and_closes_the_proposal(
    client, at_step_3, pos, policy
):
    office = at_step_3
    client.force_login(policy)
    post_decision(client, office, decision=Decision.NO_GO_STOP, reason="Geen draagvlak")
    proposal = office.decision_proposals.get()
    client.force_login(pos)
    url = reverse("poskantoor:decision_object", args=[office.pk, proposal.pk])
    response = client.post(url, {"objection_reason": ""}, follow=True)
    assert "Geef de reden van uw bezwaar." in response.content.decode()
    client.post(url, {"objection_reason": "Nieuwe kartrekkers zoeken"})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OBJECTED
    page = client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    assert "Nieuwe kartrekkers zoeken" in page


def test_other_municipalitys_policy_staff_get_404_and_club_supporters_403(client, at_step_3, pos):
    office = at_step_3
    client.force_login(pos)
    post_decision(client, office, decision=Decision.NO_GO_NEW_KARTREKKERS)
    proposal = office.decision_proposals.get()
    other = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0363")).user
    client.force_login(other)
    for url in (
        reverse("poskantoor:decision_propose", args=[office.pk]),
        reverse("poskantoor:decision_confirm", args=[office.pk, proposal.pk]),
        reverse("poskantoor:decision_object", args=[office.pk, proposal.pk]),
        reverse("poskantoor:mapping_state", args=[office.pk]),
    ):
        assert client.post(url).status_code == 404
    client.force_login(StaffProfileFactory(club_supporter=True).user)
    assert client.post(reverse("poskantoor:decision_propose", args=[office.pk])).status_code == 403
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_the_municipality_states_the_mapping_on_the_office_page(client, office, policy, pos):
    ProviderFactory(municipality=office.municipality)
    client.force_login(pos)
    page = client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    assert reverse("poskantoor:mapping_state", args=[office.pk]) not in page
    client.force_login(policy)
    url = reverse("poskantoor:mapping_state", args=[office.pk])
    assert url in client.get(reverse("poskantoor:detail", args=[office.pk])).content.decode()
    today = timezone.localdate()
    response = client.post(url, {"stated_on": today.isoformat(), "note": "KvK-lijst"}, follow=True)
    page = response.content.decode()
    assert "De verklaring is vastgelegd." in page
    assert "haar sportondernemers in kaart zijn gebracht (1 geregistreerd)" in page


def test_a_confirmed_go_and_its_unmet_conditions_are_on_the_dashboard_and_in_the_csv(
    client, at_step_3, pos, policy
):
    from poskantoor.decisions import services as decisions

    office = at_step_3
    proposal = decisions.decision_propose(
        office=office,
        by=pos,
        decision=Decision.GO,
        decided_on=dt.date(2026, 3, 5),
        conditions_reason="Kerngroep volgt",
    )
    client.force_login(pos)
    page = client.get(reverse("reports:pos_dashboard")).content.decode()
    assert "wacht op Gemeente / sportbedrijf" in page
    decisions.decision_confirm(proposal=proposal, by=policy)
    page = client.get(reverse("reports:pos_dashboard")).content.decode()
    assert "GO: startbijeenkomst voorbereiden (05-03-2026)" in page
    csv = (
        client.get(reverse("reports:pos_dashboard_csv", args=["offices"]))
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert csv[0].endswith(";GO / NO-GO")
    assert "GO: startbijeenkomst voorbereiden (05-03-2026)" in csv[1]
    assert "reden: Kerngroep volgt" in csv[1]


def test_an_objection_without_reason_is_the_office_page_again_with_the_form_in_place(
    client, at_step_3, pos, policy
):
    office = at_step_3
    client.force_login(policy)
    post_decision(client, office, decision=Decision.NO_GO_STOP, reason="Geen draagvlak")
    proposal = office.decision_proposals.get()
    client.force_login(pos)
    url = reverse("poskantoor:decision_object", args=[office.pk, proposal.pk])
    response = client.post(url, {"objection_reason": "  "})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Geef de reden van uw bezwaar." in page
    assert "data-refusal" not in page  # shown at the objection form, which the page shows
    assert response.context["object_form"].is_bound
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.OPEN


def test_an_unknown_proposal_is_a_404_whatever_the_form_holds(client, at_step_3, policy):
    client.force_login(policy)
    url = reverse("poskantoor:decision_object", args=[at_step_3.pk, 999_999])
    assert client.post(url, {"objection_reason": ""}).status_code == 404


def test_mapping_without_registered_entrepreneurs_is_refused_at_the_form(client, office, policy):
    client.force_login(policy)
    url = reverse("poskantoor:mapping_state", args=[office.pk])
    response = client.post(url, {"stated_on": timezone.localdate().isoformat(), "note": "KvK"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Registreer eerst de sportondernemers van" in page
    assert "data-refusal" not in page
    assert response.context["mapping_form"]["note"].value() == "KvK"
    assert not office.mapping_statements.exists()


def test_a_go_without_reason_for_unmet_conditions_is_refused_on_the_decision_page(
    client, at_step_3, pos
):
    """ "Deze lokale kerngroep en POS besluiten gezamenlijk": the refusal of the service is the
    decision page again with what was typed (400)."""
    client.force_login(pos)
    response = post_decision(client, at_step_3, decision=Decision.GO, reason="Sterke groep")
    assert response.status_code == 400
    assert response.context["form"]["reason"].value() == "Sterke groep"
    assert not at_step_3.decision_proposals.exists()
