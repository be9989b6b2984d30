"""Every form field that takes an id, and every bulk action, refuses another tenant's id.

The permission matrix proves that each URL with an object id answers 404 for another desk's or
municipality's object. Here the id travels in the POST body instead: a provider, desk,
organisation, budget, colleague, question or attendee of the *other* tenant of the world. Each
case posts the same otherwise valid form twice: with the foreign id it is refused (a form error
or an error message, never a 500) and nothing is written; with the actor's own id it goes
through — so a case cannot pass because the form was invalid for another reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import resolve

from meetings.models import Attendee
from providers.constants import SAFETY_BASICS
from sportloket.models import Theme
from tests.factories import OrganisationFactory, ProviderFactory, municipality
from tests.meetings.factories import MeetingFactory, SupportRequestFactory
from tests.subsidies.factories import BudgetFactory

from .test_permission_matrix import CLUB, POLICY

pytestmark = pytest.mark.django_db

# What a refused POST must leave exactly as it was.
WATCHED = (
    "meetings.SupportRequest",
    "meetings.SupportRequestEvent",
    "meetings.Handover",
    "meetings.ContactMoment",
    "network.Signal",
    "meetings.Attendee",
    "meetings.SupportRequestAllocation",
    "subsidies.Budget",
    "subsidies.Allocation",
    "poskantoor.CoreGroupMember",
    "providers.Provider",
    "sportloket.AuditEvent",
    "sportloket.OutgoingEmail",
)
# Django's "not one of the choices" error and the refusals of our own views, in Dutch.
REFUSALS = (
    "Selecteer een geldige keuze",
    "Kies alleen vragen uit uw eigen wachtrij.",
    "Kies deelnemers van deze bijeenkomst.",
    "Kies aanbieders bij wie deze regeling past en die haar nog niet ontvingen.",
)


def snapshot() -> dict[str, list[dict]]:
    return {
        label: list(apps.get_model(label)._base_manager.order_by("pk").values())
        for label in WATCHED
    }


@dataclass
class Case:
    actor: str
    url: str
    data: Callable[[object], dict]  # given the id to use (foreign or own)
    foreign: int
    own: int


def cases(world) -> dict[str, Case]:
    k = world.kwargs
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    theirs = ProviderFactory(municipality=amsterdam, name="Amsterdamse sportschool")
    mine = k["provider"]
    other_question = SupportRequestFactory(desk=k["other_desk"], provider=theirs)
    fresh = SupportRequestFactory(desk=k["desk"], provider=mine)
    other_budget = BudgetFactory(desk=k["other_desk"])
    outsider = OrganisationFactory(name="Alleen in Amsterdam")
    club, other_club = world.users[CLUB], world.users["other_club_supporter"]
    past = MeetingFactory(office=k["office"])
    other_meeting = MeetingFactory(office=k["office"])
    own_attendee = Attendee.objects.create(meeting=past, name="Kim")
    other_attendee = Attendee.objects.create(meeting=other_meeting, name="Piet")
    theme = Theme.objects.first()
    decision = {
        "amount": "50",
        "decision": "granted",
        "rationale": "Cursus",
        "decided_on": "2026-01-20",
    }
    question = k["request"].pk
    return {
        "question_provider": Case(
            CLUB,
            "/loket/hulpvragen/nieuw/",
            lambda pk: {
                "provider": pk,
                "channel": "phone",
                "priority": 2,
                "subject": "Vraag per telefoon",
                "question": "Tekst",
            },
            theirs.pk,
            mine.pk,
        ),
        "assign_colleague": Case(
            CLUB,
            f"/loket/hulpvragen/{question}/assign/",
            lambda pk: {"assignee": pk},
            other_club.pk,
            club.pk,
        ),
        "handover_organisation": Case(
            CLUB,
            f"/loket/hulpvragen/{fresh.pk}/handover/",
            lambda pk: {"organisation": pk, "note": "Graag oppakken"},
            outsider.pk,
            k["partner_org"].pk,
        ),
        "bulk_questions": Case(
            CLUB,
            "/loket/hulpvragen/bulk/",
            lambda pk: {"ids": [fresh.pk, pk], "action": "assign_me"},
            other_question.pk,
            question,
        ),
        "bulk_colleague": Case(
            CLUB,
            "/loket/hulpvragen/bulk/",
            lambda pk: {"ids": [fresh.pk], "action": "assign", "assignee": pk},
            other_club.pk,
            club.pk,
        ),
        "contact_moment_provider": Case(
            CLUB,
            "/loket/contactmomenten/",
            lambda pk: {
                "provider": pk,
                "date": "2026-01-10",
                "channel": "phone",
                "summary": "Gebeld",
            },
            theirs.pk,
            mine.pk,
        ),
        "question_budget": Case(
            CLUB,
            f"/loket/hulpvragen/{question}/budget/",
            lambda pk: {"budget": pk, **decision},
            other_budget.pk,
            k["budget"].pk,
        ),
        "signal_desk": Case(
            CLUB,
            "/signalen/",
            lambda pk: {
                "desk": pk,
                "theme": theme.pk,
                "description": "Vrijwilligers haken af",
                "source": "desk",
                "recorded_on": "2026-01-10",
            },
            k["other_desk"].pk,
            k["desk"].pk,
        ),
        "core_group_provider": Case(
            POLICY,
            f"/pos-kantoren/{k['office'].pk}/kerngroep/nieuw/",
            lambda pk: {
                "name": "Kim",
                "kind": "entrepreneur",
                "provider": pk,
                "hours_per_week": "2",
                "committed_from": "2026-01-01",
                "committed_until": "2026-12-31",
            },
            theirs.pk,
            ProviderFactory(municipality=utrecht).pk,
        ),
        "meeting_attendee_provider": Case(
            POLICY,
            f"/bijeenkomsten/{past.pk}/attendee/",
            lambda pk: {"provider": pk},
            theirs.pk,
            mine.pk,
        ),
        "meeting_attendance": Case(
            POLICY,
            f"/bijeenkomsten/{past.pk}/attendance/",
            lambda pk: {"present": [pk]},
            other_attendee.pk,
            own_attendee.pk,
        ),
        "budget_desk": Case(
            CLUB,
            "/subsidies/budgetten/",
            lambda pk: {
                "desk": pk,
                "year": 2027,
                "name": "Uitvoering 2027",
                "kind": "execution",
                "total": "1000",
            },
            k["other_desk"].pk,
            k["desk"].pk,
        ),
        "provider_edit_municipality": Case(
            CLUB,
            f"/aanbieders/{mine.pk}/bewerken/",
            lambda pk: {
                "name": mine.name,
                "kind": "entrepreneur",
                "kvk_number": mine.kvk_number,
                "municipality": pk,
                "postcode": "3511 AB",
                "city": "Utrecht",
                "contact_name": "Kim",
                "email": "kim@example.org",
                **{f"{basic}_status": "not_met" for basic in SAFETY_BASICS},
            },
            amsterdam.pk,
            utrecht.pk,
        ),
        "scheme_share_provider": Case(
            CLUB,
            f"/subsidies/regelingen/{k['scheme'].pk}/",
            lambda pk: {"providers": [pk]},
            theirs.pk,
            mine.pk,
        ),
        "provider_municipality": Case(
            CLUB,
            "/aanbieders/nieuw/",
            lambda pk: {
                "name": "Nieuwe sportschool",
                "kind": "entrepreneur",
                "kvk_number": "87654321",
                "municipality": pk,
                "postcode": "3511 AB",
                "city": "Utrecht",
                "contact_name": "Kim",
                "email": "kim@example.org",
                **{f"{basic}_status": "not_met" for basic in SAFETY_BASICS},
            },
            amsterdam.pk,
            utrecht.pk,
        ),
        "allocation_provider": Case(
            CLUB,
            f"/subsidies/budgetten/{k['budget'].pk}/",
            lambda pk: {"provider": pk, **decision},
            theirs.pk,
            mine.pk,
        ),
    }


def _refused(response) -> bool:
    if response.status_code >= 500:
        return False
    texts = [response.content.decode()] + [str(m) for m in get_messages(response.wsgi_request)]
    return any(refusal in text for refusal in REFUSALS for text in texts)


CASE_NAMES = [
    "question_provider",
    "assign_colleague",
    "handover_organisation",
    "bulk_questions",
    "bulk_colleague",
    "contact_moment_provider",
    "question_budget",
    "signal_desk",
    "core_group_provider",
    "meeting_attendee_provider",
    "meeting_attendance",
    "budget_desk",
    "allocation_provider",
    "provider_municipality",
    "provider_edit_municipality",
    "scheme_share_provider",
]


@pytest.mark.parametrize("name", CASE_NAMES)
def test_another_tenants_id_in_a_form_is_refused_and_nothing_is_written(client, name, world):
    case = cases(world)[name]
    client.force_login(world.users[case.actor])

    before = snapshot()
    refused = client.post(case.url, case.data(case.foreign))
    assert _refused(refused), (refused.status_code, refused.content.decode()[:300])
    assert snapshot() == before, "a refused POST wrote something"

    control = Client()  # a session without the refusal's pending messages
    control.force_login(world.users[case.actor])
    accepted = control.post(case.url, case.data(case.own))
    assert accepted.status_code < 400, accepted.content.decode()[:300]
    assert not _refused(accepted)
    assert snapshot() != before, "the control with the actor's own id changed nothing"


def test_every_case_is_run(world):
    """The list of cases above is the parametrisation: none is left out by a typo."""
    assert sorted(cases(world)) == sorted(CASE_NAMES)


def test_a_bulk_action_on_more_questions_than_allowed_is_refused_whole(client, world):
    client.force_login(world.users[CLUB])
    own = [world.kwargs["request"].pk] + [
        SupportRequestFactory(desk=world.kwargs["desk"], provider=world.kwargs["provider"]).pk
        for _n in range(2)
    ]
    before = snapshot()
    too_many = own + list(range(10**6, 10**6 + 199))
    response = client.post("/loket/hulpvragen/bulk/", {"ids": too_many, "action": "assign_me"})
    assert response.status_code == 302
    assert "Kies hoogstens 200 vragen tegelijk." in [
        str(m) for m in get_messages(response.wsgi_request)
    ]
    assert snapshot() == before


# --- Every id-taking field of every form on every page is one of the cases above ------------


class _Forms(HTMLParser):
    """The POST forms of a page: their action and the names of the fields that submit an id
    (a select or a checkbox/radio group whose values are numbers, a hidden id)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[tuple[str, set[str]]] = []
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                (a.get("action") or "", set())
                if (a.get("method") or "").lower() == "post"
                else ("", None)
            )
        elif not self.forms or self.forms[-1][1] is None:
            return
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and (a.get("value") or "").isdigit():
            self.forms[-1][1].add(self._select)
        elif tag == "input" and (a.get("value") or "").isdigit() and a.get("name"):
            if a.get("type") in {"checkbox", "radio"} or (
                a.get("type") == "hidden" and a["name"] in {"id", "ids", "pk"}
            ):
                self.forms[-1][1].add(a["name"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


# Fields whose ids are not a tenant's: reference data every tenant shares, or a choice between
# values that are numbers but not ids. Each with the reason it needs no foreign-id case. (The
# municipality of a public form is the visitor's free choice among all: no tenant's object.)
SHARED_ID_FIELDS = {
    "organisation": "organisations invited to a meeting are one register for every tenant "
    "(a desk's handover goes only to its partners: case handover_organisation)",
    "public": "a yes/no box sent as 1, not an id",
    "themes": "themes are national reference data",
    "theme": "themes are national reference data",
    "sports": "sports are national reference data",
    "target_groups": "target groups are national reference data",
    "target_group": "target groups are national reference data",
    "category": "question categories are national reference data",
    "version": "process versions are national (POS staff only)",
    "priority": "a number from a fixed list, not an id",
    "year": "a year, not an id",
    "hours_per_week": "a number, not an id",
}


# Fields of forms that only national roles (POS staff, administrators) reach: every office in
# the country is theirs, so no id is foreign to them (the form itself refuses other roles, as
# the permission matrix proves).
NATIONAL_ID_FIELDS = {
    ("pos-lokaal/nieuw/", "office"): "a news update's audience: any office in the country",
    ("pos-lokaal/<int:pk>/bewerken/", "office"): "a news update's audience: any office",
}


def _route(path: str) -> str:
    return resolve(urlsplit(path).path).route


@pytest.mark.django_db
def test_every_form_field_that_takes_an_id_is_a_case_or_shared_reference_data(client, world):
    """Crawl every page of the matrix as each role and read its POST forms: each field that
    submits an id (outside the shared reference data) must be one of the cases above, so a new
    form field with an id cannot skip the foreign-id check."""
    from .test_permission_matrix import APP_ROUTES, MATRIX, PUBLIC, ROLES

    covered = set()
    for case in cases(world).values():
        data = case.data(case.foreign)
        for name, value in data.items():
            if value == case.foreign or (isinstance(value, list) and case.foreign in value):
                covered.add((_route(case.url), name))
    found: dict[tuple[str, str], str] = {}
    for route in APP_ROUTES:
        rule = MATRIX[route]
        if rule.method != "get":
            continue
        url = world.url(route)
        actors = ["anonymous"] if rule.roles == PUBLIC else list(ROLES)
        for actor in actors:
            client.logout()
            if world.users[actor] is not None:
                client.force_login(world.users[actor])
            response = client.get(url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            parser = _Forms()
            parser.feed(response.content.decode())
            for action, fields in parser.forms:
                for name in fields or ():
                    found.setdefault((_route(action or url), name), f"{actor} on /{route}")
    unchecked = {
        key: where
        for key, where in found.items()
        if key not in covered
        and key[1] not in SHARED_ID_FIELDS
        and key not in NATIONAL_ID_FIELDS
        and (key[1] != "municipality" or MATRIX[key[0]].roles != PUBLIC)
    }
    assert not unchecked, f"id fields without a foreign-id case: {unchecked}"
    assert found, "the crawler found no form field at all"
