"""The permission matrix, generated from the URLconf.

Every route × anonymous, each role, and staff of another desk/municipality → the expected
status. A route that is not in ``MATRIX`` fails ``test_every_route_is_in_the_matrix``, so a new
page cannot skip the check. Each request runs in a savepoint that is rolled back, so a POST
that changes data (erase, cancel, remove) does not change what the next actor sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.db import transaction

from sportloket.constants import Role

from .world import routes

CLUB, POLICY, POS, ADMIN = (
    Role.CLUB_SUPPORTER.value,
    Role.POLICY_STAFF.value,
    Role.POS_STAFF.value,
    Role.ADMINISTRATOR.value,
)
ROLES = (CLUB, POLICY, POS, ADMIN)
PUBLIC = "public"
# Django's admin has its own gate (is_staff); it is checked separately below.
ADMIN_PREFIX = "beheer/"
# The REST API answers in JSON (401 instead of a redirect to the login page); its own matrix is
# tests/api/test_permission_matrix.py.
API_PREFIX = "api/"


@dataclass(frozen=True)
class Rule:
    """``roles``: who passes (administrators always do unless overridden); ``ok``: the status of
    someone who passes; ``scoped``: staff of another desk/municipality get 404; ``method``:
    GET, or POST for POST-only views (the permission layer answers before the form does)."""

    roles: tuple[str, ...] | str
    ok: int = 200
    scoped: bool = False
    method: str = "get"
    overrides: dict[str, int] = field(default_factory=dict)

    def expected(self, actor: str) -> int:
        if actor in self.overrides:
            return self.overrides[actor]
        if self.roles == PUBLIC:
            return self.ok
        if actor == "anonymous":
            return 302
        role = actor.removeprefix("other_")
        if role not in self.roles and role != ADMIN:
            return 403
        if actor.startswith("other_") and self.scoped:
            return 404
        return self.ok


STAFF = ROLES
READERS = (CLUB, POLICY, POS)
EDITORS = (CLUB, POS)  # providers: club supporters and POS staff edit, policy staff read
OFFICE_EDITORS = (POLICY, POS)
DESK = (CLUB,)
DESK_READERS = (CLUB, POLICY)
MANAGERS = (CLUB, POS)  # subsidies
READ_404 = {"other_club_supporter": 404}

MATRIX: dict[str, Rule] = {
    "": Rule(STAFF),
    "privacy/": Rule(PUBLIC),
    # Probes of an orchestrator; the status (no heartbeat in this world: 503) is for monitoring
    # with a token, or administrators.
    "health/live/": Rule(PUBLIC),
    "health/ready/": Rule(PUBLIC),
    "health/status/": Rule((), ok=503),
    "account/login/": Rule(PUBLIC),
    "account/password_reset/": Rule(PUBLIC),
    "account/logout/": Rule(PUBLIC, method="post"),
    "account/sessie-verlengen/": Rule(STAFF, method="post"),
    # Sign-in through the identity provider: not configured in this world, so not there.
    "account/sso/": Rule(PUBLIC, ok=404),
    "account/sso/terug/": Rule(PUBLIC, ok=404),
    "account/tweestaps/instellen/": Rule(STAFF),
    # Nobody in the world has a confirmed device yet: verification sends them to enrolment.
    "account/tweestaps/": Rule(STAFF, ok=302),
    "account/tweestaps/herstelcodes/": Rule(STAFF),
    # Without an app yet: on to the enrolment.
    "account/tweestaps/nieuwe-app/": Rule(STAFF, ok=302),
    "account/password_change/": Rule(STAFF),
    "account/password_change/done/": Rule(STAFF),
    "account/password_reset/done/": Rule(PUBLIC),
    "account/reset/<uidb64>/<token>/": Rule(PUBLIC),
    "account/reset/done/": Rule(PUBLIC),
    "i18n/setlang/": Rule(PUBLIC, ok=302, method="post"),
    # providers
    "aanmelden/": Rule(PUBLIC),
    "aanmelden/verstuurd/": Rule(PUBLIC),
    "aanmelden/bekend/": Rule(PUBLIC),
    "aanmelden/bevestigen/<str:token>/": Rule(PUBLIC),
    "aanbieders/": Rule(READERS),
    "aanbieders/export.csv": Rule(READERS),
    "aanbieders/nieuw/": Rule(EDITORS),
    "aanbieders/importeren/": Rule(EDITORS),
    # An import job of Utrecht's club supporter: its colleagues' scope, not Amsterdam's.
    "aanbieders/import/<uuid:pk>/": Rule(EDITORS, scoped=True),
    "aanbieders/import/<uuid:pk>/importeren/": Rule(EDITORS, ok=302, scoped=True, method="post"),
    "aanbieders/import/<uuid:pk>/rapport.csv": Rule(EDITORS, scoped=True),
    "aanbieders/<int:pk>/": Rule(READERS, scoped=True),
    "aanbieders/<int:pk>/bewerken/": Rule(EDITORS, scoped=True),
    "aanbieders/<int:pk>/status/": Rule(EDITORS, ok=302, scoped=True, method="post"),
    "aanbieders/<int:pk>/persoonsgegevens/": Rule(EDITORS, scoped=True, method="post"),
    "aanbieders/<int:pk>/wissen/": Rule(EDITORS, scoped=True),
    # POS offices
    "pos-kantoor/aanmelden/": Rule(PUBLIC),
    "pos-kantoor/aanmelden/verstuurd/": Rule(PUBLIC),
    "pos-kantoor/aanmelden/bevestigen/<str:token>/": Rule(PUBLIC),
    "pos-kantoren/": Rule(READERS),
    "pos-kantoren/<int:pk>/": Rule(READERS, scoped=True),
    "pos-kantoren/<int:pk>/stap/<int:step_pk>/afronden/": Rule(OFFICE_EDITORS, scoped=True),
    # The office's public face: its municipality's policy officer decides (POS staff do not).
    "pos-kantoren/<int:pk>/openbaar/": Rule((POLICY,), scoped=True),
    # The public pages of the offices that chose to be public (the world's office did).
    "pos-kantoren/kaart/": Rule(PUBLIC),
    "pos-kantoren/<slug:slug>/": Rule(PUBLIC),
    "pos-kantoren/<slug:slug>/embed/": Rule(PUBLIC),
    "pos-kantoren/<slug:slug>/bijeenkomsten/<int:meeting_pk>.ics": Rule(PUBLIC),
    # The office page's forms: an empty POST passes the permission layer; the form or the
    # service then refuses it, and the office page comes again with the message (400).
    # POS moves an office onto another process version (POS staff see every office).
    "pos-kantoren/<int:pk>/procesversie/": Rule((POS,), ok=400, method="post"),
    "pos-kantoren/<int:pk>/startsessie/": Rule(OFFICE_EDITORS, ok=400, scoped=True, method="post"),
    "pos-kantoren/<int:pk>/besluit/": Rule(OFFICE_EDITORS, scoped=True),
    "pos-kantoren/<int:pk>/besluit/<int:proposal_pk>/bevestigen/": Rule(
        OFFICE_EDITORS, ok=400, scoped=True, method="post"
    ),
    "pos-kantoren/<int:pk>/besluit/<int:proposal_pk>/bezwaar/": Rule(
        OFFICE_EDITORS, ok=400, scoped=True, method="post"
    ),
    "pos-kantoren/<int:pk>/ondernemers-in-kaart/": Rule(
        OFFICE_EDITORS, ok=400, scoped=True, method="post"
    ),
    "pos-kantoren/<int:pk>/kerngroep/nieuw/": Rule(OFFICE_EDITORS, scoped=True),
    "pos-kantoren/<int:pk>/jaarplan/<int:year>/": Rule(READERS, scoped=True),
    # 202: the PDF of the current version is being drawn (a task), the page says so.
    "pos-kantoren/<int:pk>/jaarplan/<int:year>/pdf/": Rule(READERS, ok=202, scoped=True),
    # Without htmx the status fragment's URL sends the reader on to the PDF.
    "pos-kantoren/<int:pk>/jaarplan/<int:year>/pdf-status/": Rule(READERS, ok=302, scoped=True),
    # dashboards (issue 8)
    "dashboard/pos/": Rule((POS,)),
    "dashboard/pos/csv/<str:table>/": Rule((POS,)),
    "loket/dashboard/": Rule(READERS),
    "loket/dashboard/csv/<str:table>/": Rule(READERS),
    "monitor/<int:year>/": Rule((POLICY, POS)),
    "pos-kantoren/<int:pk>/kerngroep/<int:member_pk>/verwijderen/": Rule(
        OFFICE_EDITORS, ok=302, scoped=True, method="post"
    ),
    # desk: support questions
    "hulpvraag/": Rule(PUBLIC),
    "hulpvraag/verzonden/": Rule(PUBLIC),
    "hulpvraag/volg/<slug:token>/": Rule(PUBLIC),
    # The providers' portal: its own sign-in by e-mail link, never a staff login. Without a
    # portal session (anyone in this world, staff included) every portal page sends to the
    # portal's sign-in page; the portal's own scoping is in tests/meetings/test_portal.py.
    "portaal/": Rule(PUBLIC, ok=302),
    "portaal/inloggen/": Rule(PUBLIC),
    "portaal/inloggen/verstuurd/": Rule(PUBLIC),
    "portaal/inloggen/<str:token>/": Rule(PUBLIC),
    "portaal/uitloggen/": Rule(PUBLIC, ok=302, method="post"),
    "portaal/hulpvragen/nieuw/": Rule(PUBLIC, ok=302),
    "portaal/hulpvragen/<int:pk>/": Rule(PUBLIC, ok=302),
    "portaal/nieuwsbrief/": Rule(PUBLIC, ok=302),
    "portaal/gegevens/": Rule(PUBLIC, ok=302),
    "portaal/gegevens/export/": Rule(PUBLIC, ok=302, method="post"),
    "portaal/collegas/": Rule(PUBLIC, ok=302),
    "portaal/veiligheid/": Rule(PUBLIC, ok=302),
    "portaal/veiligheid/<slug:basic>/": Rule(PUBLIC, ok=302),
    "portaal/veiligheid/bewijs/<int:pk>/bestand/": Rule(PUBLIC, ok=302),
    "portaal/regelingen/": Rule(PUBLIC, ok=302),
    # The desk's side: its own area's portal contacts (administrators have no desk).
    "loket/portaal/": Rule(DESK, overrides={ADMIN: 404}),
    "loket/portaal/<int:pk>/intrekken/": Rule(
        DESK, ok=302, scoped=True, method="post", overrides={ADMIN: 404}
    ),
    # Social-safety evidence from the portal: its own area's desk checks it (administrators
    # have no desk). An empty rejection passes the permission layer; the form asks for the
    # reason (400).
    "loket/portaal/bewijs/": Rule(DESK, overrides={ADMIN: 404}),
    "loket/portaal/bewijs/<int:pk>/": Rule(DESK, scoped=True, overrides={ADMIN: 404}),
    "loket/portaal/bewijs/<int:pk>/bevestigen/": Rule(
        DESK, ok=302, scoped=True, method="post", overrides={ADMIN: 404}
    ),
    "loket/portaal/bewijs/<int:pk>/bestand/": Rule(DESK, scoped=True, overrides={ADMIN: 404}),
    "loket/hulpvragen/": Rule(DESK_READERS),
    "loket/hulpvragen/bulk/": Rule(DESK, ok=302, method="post"),
    # Administrators have no desk to file a question at.
    "loket/hulpvragen/nieuw/": Rule(DESK, overrides={ADMIN: 404}),
    "loket/hulpvragen/<int:pk>/": Rule(DESK_READERS, scoped=True),
    # An administrator passes the permission layer; the service then refuses to assign the
    # question to someone who is not a club supporter of its desk (the form again, 400).
    "loket/hulpvragen/<int:pk>/<slug:action>/": Rule(
        DESK, ok=302, scoped=True, method="post", overrides={ADMIN: 400}
    ),
    # Money for a question: the desk's own club supporters (POS staff manage budgets but do
    # not see questions; another desk's supporter, also one a question was handed to, 404).
    "loket/hulpvragen/<int:pk>/budget/": Rule(DESK, scoped=True),
    # A requester's data-subject rights: the question's own desk only (administrators too).
    "loket/hulpvragen/<int:pk>/aanvrager/wissen/": Rule(DESK, scoped=True),
    "loket/hulpvragen/<int:pk>/aanvrager/persoonsgegevens/": Rule(DESK, scoped=True, method="post"),
    "loket/overdrachten/": Rule(DESK),
    # Only the receiving organisation's staff answer a handover.
    "loket/overdrachten/<int:pk>/accepteren/": Rule(
        DESK, ok=302, scoped=True, method="post", overrides={ADMIN: 404}
    ),
    # An empty POST passes the permission layer; the form then asks for a reason (400).
    "loket/overdrachten/<int:pk>/weigeren/": Rule(
        DESK, ok=400, scoped=True, method="post", overrides={ADMIN: 404}
    ),
    # The outcome of an accepted handover, by the receiving organisation's staff; the world's
    # handover is still pending, so there is nothing to report yet (404 past the role check).
    # tests/meetings/test_requester_told.py reports one after accepting.
    "loket/overdrachten/<int:pk>/uitkomst/": Rule(
        DESK, ok=404, scoped=True, method="post", overrides={ADMIN: 404}
    ),
    "loket/contactmomenten/": Rule(DESK, overrides={ADMIN: 404}),
    # A club supporter's own daily overview switch; administrators have no desk overview.
    "loket/dagoverzicht/": Rule(DESK, overrides={ADMIN: 404}),
    # meetings (POS programme and desk meetings)
    "bijeenkomsten/": Rule(READERS),
    # Calendar feeds: one's own, the desk's (administrators have no desk), the office's for
    # those who manage it; the feed itself needs no login, an address that is not one is 404.
    "agenda/": Rule(STAFF),
    "agenda/<str:token>.ics": Rule(PUBLIC, ok=404),
    "loket/agenda/": Rule(DESK, overrides={ADMIN: 404}),
    "pos-kantoren/<int:pk>/agenda/": Rule(OFFICE_EDITORS, scoped=True),
    # A desk meeting is planned by the desk's own club supporters.
    "bijeenkomsten/nieuw/": Rule(DESK, overrides={ADMIN: 403}),
    "pos-kantoren/<int:pk>/bijeenkomsten/nieuw/": Rule(OFFICE_EDITORS, scoped=True),
    "pos-kantoren/<int:pk>/programma/": Rule(OFFICE_EDITORS, scoped=True),
    "bijeenkomsten/<int:pk>/": Rule(READERS, scoped=True),
    # Club supporters read meetings but manage only their desk's: another desk's club supporter
    # does not learn that a meeting exists (404), the own desk's one is refused (403).
    "bijeenkomsten/<int:pk>/bewerken/": Rule(OFFICE_EDITORS, scoped=True, overrides=READ_404),
    "bijeenkomsten/<int:pk>/uitnodiging.ics": Rule(READERS, scoped=True),
    "bijeenkomsten/<int:pk>/<slug:action>/": Rule(
        OFFICE_EDITORS, ok=302, scoped=True, method="post", overrides=READ_404
    ),
    "afspraken/<int:pk>/afgerond/": Rule(
        OFFICE_EDITORS, ok=302, scoped=True, method="post", overrides=READ_404
    ),
    # network
    "loket/<int:pk>/kwaliteit/": Rule(READERS, scoped=True),
    "loket/<int:pk>/kwaliteit/afvinken/": Rule(DESK, ok=400, scoped=True, method="post"),
    "loket/<int:pk>/netwerk/": Rule(READERS, scoped=True),
    "loketten/": Rule((POLICY, POS)),
    "signalen/": Rule(READERS),
    "buurtsportcoaches/": Rule((POLICY, POS)),
    "buurtsportcoaches/<int:pk>/": Rule((POLICY, POS), scoped=True),
    # subsidies
    "subsidies/regelingen/": Rule(MANAGERS),
    "subsidies/regelingen/nieuw/": Rule((POS,)),  # national schemes: POS staff and admins
    "subsidies/regelingen/<int:pk>/": Rule(MANAGERS),
    "subsidies/regelingen/<int:pk>/bewerken/": Rule((POS,)),
    "subsidies/aanbieders/": Rule(MANAGERS),
    "subsidies/aanbieders/<int:pk>/": Rule(MANAGERS, scoped=True),
    "subsidies/budgetten/": Rule(MANAGERS),
    "subsidies/budgetten/<int:pk>/": Rule(MANAGERS, scoped=True),
    "subsidies/budgetten/<int:pk>/bewerken/": Rule(MANAGERS, scoped=True),
    "subsidies/toekenningen/<int:pk>/intrekken/": Rule(MANAGERS, scoped=True),
    "subsidies/transparantie/": Rule(READERS),
    "subsidies/transparantie/<int:desk>/<int:year>/": Rule(READERS, scoped=True),
    "subsidies/afmelden/<str:token>/": Rule(PUBLIC),
    # the POS-lokaal news update: a public archive of sent updates, the public sign-up and
    # unsubscribe pages; POS staff write, preview and send. The world's draft goes to nobody
    # yet, so sending passes the permission layer and the service refuses it (400).
    "pos-lokaal/": Rule(PUBLIC),
    "pos-lokaal/nieuw/": Rule((POS,)),
    "pos-lokaal/aanmelden/": Rule(PUBLIC),
    "pos-lokaal/aanmelden/verstuurd/": Rule(PUBLIC),
    "pos-lokaal/aanmelden/<str:token>/": Rule(PUBLIC),
    "pos-lokaal/afmelden/<str:token>/": Rule(PUBLIC),
    "pos-lokaal/<int:pk>/": Rule(PUBLIC),
    "pos-lokaal/<int:pk>/bewerken/": Rule((POS,)),
    "pos-lokaal/<int:pk>/voorbeeld/": Rule((POS,)),
    "pos-lokaal/<int:pk>/versturen/": Rule((POS,), ok=400, method="post"),
}

APP_ROUTES = [r for r in routes() if not r.startswith((ADMIN_PREFIX, API_PREFIX))]


def test_every_route_is_in_the_matrix():
    missing = [r for r in APP_ROUTES if r not in MATRIX]
    stale = [r for r in MATRIX if r not in APP_ROUTES]
    assert not missing, f"routes without a permission rule: {missing}"
    assert not stale, f"rules for routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("route", [r for r in APP_ROUTES if r in MATRIX])
def test_permission_matrix(client, route, world):
    rule = MATRIX[route]
    url = world.url(route)
    failures = []
    for actor, user in world.users.items():
        client.logout()
        if user is not None:
            client.force_login(user)
        with transaction.atomic():
            response = getattr(client, rule.method)(url)
            transaction.set_rollback(True)
        expected = rule.expected(actor)
        got = response.status_code
        if got == 302 and expected == 302 and actor == "anonymous" and rule.roles != PUBLIC:
            if not response["Location"].startswith("/account/login/"):
                failures.append(f"{actor}: redirected to {response['Location']}, not to login")
        elif got == 302 and expected != 302 and actor != "anonymous":
            failures.append(f"{actor}: {got} to {response['Location']}, expected {expected}")
        elif got != expected:
            failures.append(f"{actor}: {got}, expected {expected}")
    assert not failures, f"{rule.method.upper()} {url}: " + "; ".join(failures)


@pytest.mark.django_db
def test_admin_site_is_for_administrators_only(client, world):
    """Every admin page without arguments: anonymous and non-administrator staff are sent to
    the admin login, administrators get the page."""
    admin_routes = [
        r for r in routes() if r.startswith(ADMIN_PREFIX) and "<" not in r and "(?P" not in r
    ]
    assert len(admin_routes) > 10
    failures = []
    for route in admin_routes:
        url = "/" + route.replace("^", "").replace("$", "")
        for actor, user in world.users.items():
            client.logout()
            if user is not None:
                client.force_login(user)
            response = client.get(url)
            if actor == ADMIN:
                # Read-only admins answer 403 on "add", logout wants a POST (405).
                if response.status_code >= 500 or (
                    response.status_code == 302 and "login" in response["Location"]
                ):
                    failures.append(f"{url} {actor}: {response.status_code}")
            elif response.status_code != 302 or "/beheer/login/" not in response["Location"]:
                if not (route.startswith("beheer/login") or route.startswith("beheer/logout")):
                    failures.append(f"{url} {actor}: {response.status_code}")
    assert not failures, failures


# --- A partner organisation's view of another desk's question ----------------------------------

INTERNAL_NOTE = "Intern: aanvrager eerder lastig geweest"
HANDOVER_NOTE = "Graag contact over zwemles voor nieuwkomers"


def partner_view(client, world, question) -> dict[str, int | bool]:
    """What the partner's staff get on every route about the question, and what the handover
    queue shows of it."""
    pk = question.pk
    reads = {
        "detail": client.get(f"/loket/hulpvragen/{pk}/"),
        "budget": client.get(f"/loket/hulpvragen/{pk}/budget/"),
        "erase": client.get(f"/loket/hulpvragen/{pk}/aanvrager/wissen/"),
    }
    with transaction.atomic():
        writes = {
            "assign": client.post(f"/loket/hulpvragen/{pk}/assign-me/"),
            "message": client.post(f"/loket/hulpvragen/{pk}/message/", {"text": "x"}),
            "export": client.post(f"/loket/hulpvragen/{pk}/aanvrager/persoonsgegevens/"),
        }
        transaction.set_rollback(True)
    queue = client.get("/loket/overdrachten/").content.decode()
    texts = [r.content.decode() for r in reads.values()] + [queue]
    board = client.get("/loket/hulpvragen/?status=").content.decode()
    return {
        **{name: r.status_code for name, r in {**reads, **writes}.items()},
        "note_in_queue": HANDOVER_NOTE in queue,
        "link_in_queue": f'href="/loket/hulpvragen/{pk}/"' in queue,
        "internal_note_seen": any(INTERNAL_NOTE in text for text in texts),
        "on_board": f"/loket/hulpvragen/{pk}/" in board,
    }


NOT_THEIRS = {
    "detail": 404,
    "budget": 404,
    "erase": 404,
    "assign": 404,
    "message": 404,
    "export": 404,
    "link_in_queue": False,
    "internal_note_seen": False,
    "on_board": False,
}


@pytest.mark.django_db
def test_a_partner_reads_another_desks_question_only_while_it_is_theirs(client, world):
    """Before a handover, while it is pending, after accepting, after the desk takes it back,
    after declining and after expiry: the partner's staff (who work at the other desk) see the
    handover note while deciding, the question while it is theirs, never internal notes, and
    never the desk's actions."""
    from meetings.models import Handover
    from meetings.support import services

    k = world.kwargs
    desk_user, partner = world.users[CLUB], k["partner_staff"]
    question = k["request"]
    Handover.objects.filter(support_request=question).delete()
    services.support_request_message(
        request=question, text=INTERNAL_NOTE, by=desk_user, public=False
    )
    client.force_login(partner)

    assert partner_view(client, world, question) == {**NOT_THEIRS, "note_in_queue": False}

    pending = services.handover_create(
        request=question, organisation=k["partner_org"], note=HANDOVER_NOTE, by=desk_user
    )
    assert partner_view(client, world, question) == {**NOT_THEIRS, "note_in_queue": True}

    services.handover_accept(handover=pending, by=partner)
    theirs = partner_view(client, world, question)
    assert theirs == {
        **NOT_THEIRS,
        "detail": 200,
        "assign": 403,
        "message": 403,
        "erase": 403,
        "export": 403,
        "note_in_queue": True,
        "link_in_queue": True,
    }
    # The desk takes the question back into its own queue: no longer theirs.
    services.support_request_transition(request=question, to="triaged", by=desk_user)
    assert partner_view(client, world, question) == {**NOT_THEIRS, "note_in_queue": True}

    Handover.objects.filter(support_request=question).delete()
    declined = services.handover_create(
        request=question, organisation=k["partner_org"], note=HANDOVER_NOTE, by=desk_user
    )
    services.handover_decline(handover=declined, by=partner, reason="Geen capaciteit")
    assert partner_view(client, world, question) == {**NOT_THEIRS, "note_in_queue": True}

    Handover.objects.filter(support_request=question).delete()
    expired = services.handover_create(
        request=question, organisation=k["partner_org"], note=HANDOVER_NOTE, by=desk_user
    )
    assert services.handovers_expire(on=expired.respond_by + dt.timedelta(days=1)) == 1
    assert partner_view(client, world, question) == {**NOT_THEIRS, "note_in_queue": True}

    # The desk's own supporter still reads everything, internal notes included.
    client.force_login(desk_user)
    assert INTERNAL_NOTE in client.get(f"/loket/hulpvragen/{question.pk}/").content.decode()


@pytest.mark.django_db
def test_a_partner_that_accepted_loses_the_question_when_the_desk_closes_it(client, world):
    from meetings.models import Handover
    from meetings.support import services

    k = world.kwargs
    desk_user, partner = world.users[CLUB], k["partner_staff"]
    question = k["request"]
    Handover.objects.filter(support_request=question).delete()
    handover = services.handover_create(
        request=question, organisation=k["partner_org"], note=HANDOVER_NOTE, by=desk_user
    )
    services.handover_accept(handover=handover, by=partner)
    client.force_login(partner)
    assert client.get(f"/loket/hulpvragen/{question.pk}/").status_code == 200
    services.support_request_transition(request=question, to="resolved", by=desk_user)
    assert client.get(f"/loket/hulpvragen/{question.pk}/").status_code == 200
    services.support_request_transition(request=question, to="closed", by=desk_user)
    assert client.get(f"/loket/hulpvragen/{question.pk}/").status_code == 404
