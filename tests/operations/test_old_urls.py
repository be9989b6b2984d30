"""Bookmarks of the last release keep working: every page path of the release's URL confs
(commit cc64501, the reference of scripts/check-migrate-forward) answers on the current code
for the role that used it, with sample ids from the demo data; none is a 404.

The list was taken from the release's resolver (every pattern, admin pages of each registered
model included). Forms and pages answer 200, links that only redirect answer 302, and
endpoints that only accept a POST (buttons, not bookmarks) answer 405, which shows that the
path still reaches its view.
"""

import datetime as dt
import io
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from meetings.models import Agreement, Handover, Meeting, SupportRequest
from meetings.support.constants import HandoverStatus
from network.models import NeighbourhoodSportCoach
from poskantoor.models import CoreGroupMember, FoundingStep, PosOffice
from providers.models import Provider
from sportloket.models import Desk
from subsidies.models import Allocation, Budget, Scheme
from subsidies.services import unsubscribe_url

PAGE, REDIRECT, POST_ONLY = {200}, {302}, {405}
MOVED = {301}  # admin pages of a model that moved app: to the same page under its new app
QUEUED = {202}  # the year-plan PDF: made by a worker, the page polls for it
REFUSED_LINK = {400}  # an unknown confirmation link: the page that says so
YEAR = dt.date.today().year  # noqa: DTZ011 - a year in the path, any current year will do

# (role, path with {placeholders}, accepted statuses). Role "anonymous" is the public; the
# others are the demo logins (clubondersteuner, pos, beheer).
OLD_PATHS = [
    ("anonymous", "/privacy/", PAGE),
    ("anonymous", "/account/login/", PAGE),
    ("anonymous", "/account/password_reset/", PAGE),
    ("anonymous", "/account/password_reset/done/", PAGE),
    ("anonymous", "/account/reset/MQ/set-password/", PAGE),
    ("anonymous", "/account/reset/done/", PAGE),
    ("anonymous", "/account/tweestaps/", REDIRECT),
    ("anonymous", "/i18n/setlang/", REDIRECT),
    ("anonymous", "/", REDIRECT),
    ("anonymous", "/aanmelden/", PAGE),
    ("anonymous", "/aanmelden/verstuurd/", PAGE),
    ("anonymous", "/aanmelden/bekend/", PAGE),
    ("anonymous", "/aanmelden/bevestigen/{token}/", REFUSED_LINK),
    ("anonymous", "/pos-kantoor/aanmelden/", PAGE),
    ("anonymous", "/pos-kantoor/aanmelden/verstuurd/", PAGE),
    ("anonymous", "/pos-kantoor/aanmelden/bevestigen/{token}/", PAGE),
    ("anonymous", "/hulpvraag/", PAGE),
    ("anonymous", "/hulpvraag/verzonden/", PAGE),
    ("anonymous", "/hulpvraag/volg/{follow_token}/", PAGE),
    ("anonymous", "{unsubscribe}", PAGE),
    ("clubondersteuner", "/", PAGE),
    # The demo logins are enrolled in two-step login: setting up sends to the account's page,
    # moving to a new phone is a page.
    ("clubondersteuner", "/account/tweestaps/instellen/", REDIRECT),
    ("clubondersteuner", "/account/tweestaps/nieuwe-app/", PAGE),
    ("clubondersteuner", "/account/tweestaps/herstelcodes/", PAGE),
    ("clubondersteuner", "/account/password_change/", PAGE),
    ("clubondersteuner", "/account/password_change/done/", PAGE),
    ("clubondersteuner", "/account/logout/", POST_ONLY),
    ("pos", "/aanbieders/", PAGE),
    ("pos", "/aanbieders/export.csv", PAGE),
    ("pos", "/aanbieders/nieuw/", PAGE),
    ("pos", "/aanbieders/importeren/", PAGE),
    ("pos", "/aanbieders/{provider}/", PAGE),
    ("pos", "/aanbieders/{provider}/bewerken/", PAGE),
    ("pos", "/aanbieders/{provider}/status/", POST_ONLY),
    ("pos", "/aanbieders/{provider}/persoonsgegevens/", POST_ONLY),
    ("pos", "/aanbieders/{provider}/wissen/", PAGE),
    ("pos", "/pos-kantoren/", PAGE),
    ("pos", "/pos-kantoren/{office}/", PAGE),
    ("pos", "/pos-kantoren/{office}/stap/{step}/afronden/", PAGE),
    ("pos", "/pos-kantoren/{office}/startsessie/", POST_ONLY),
    ("pos", "/pos-kantoren/{office}/kerngroep/nieuw/", PAGE),
    ("pos", "/pos-kantoren/{office}/kerngroep/{member}/verwijderen/", POST_ONLY),
    ("pos", "/pos-kantoren/{office}/jaarplan/{year}/", PAGE),
    ("pos", "/pos-kantoren/{office}/jaarplan/{year}/pdf/", QUEUED),
    ("pos", "/dashboard/pos/", PAGE),
    ("pos", "/dashboard/pos/csv/offices/", PAGE),
    ("clubondersteuner", "/loket/hulpvragen/", PAGE),
    ("clubondersteuner", "/loket/hulpvragen/bulk/", POST_ONLY),
    ("clubondersteuner", "/loket/hulpvragen/nieuw/", PAGE),
    ("clubondersteuner", "/loket/hulpvragen/{question}/", PAGE),
    ("clubondersteuner", "/loket/hulpvragen/{question}/budget/", PAGE),
    ("clubondersteuner", "/loket/hulpvragen/{question}/triage/", REDIRECT),
    ("clubondersteuner", "/loket/hulpvragen/{question}/aanvrager/wissen/", PAGE),
    ("clubondersteuner", "/loket/hulpvragen/{question}/aanvrager/persoonsgegevens/", POST_ONLY),
    ("clubondersteuner", "/loket/overdrachten/", PAGE),
    ("clubondersteuner", "/loket/overdrachten/{handover}/accepteren/", POST_ONLY),
    ("clubondersteuner", "/loket/overdrachten/{handover}/weigeren/", POST_ONLY),
    ("clubondersteuner", "/loket/contactmomenten/", PAGE),
    ("clubondersteuner", "/loket/dashboard/", PAGE),
    ("clubondersteuner", "/loket/dashboard/csv/status/", PAGE),
    ("pos", "/monitor/{year}/", PAGE),
    ("clubondersteuner", "/loket/{desk}/kwaliteit/", PAGE),
    # Ticking is a form posted from the quality page; a GET goes to that page.
    ("clubondersteuner", "/loket/{desk}/kwaliteit/afvinken/", REDIRECT),
    ("clubondersteuner", "/loket/{desk}/netwerk/", PAGE),
    ("clubondersteuner", "/signalen/", PAGE),
    ("pos", "/loketten/", PAGE),
    ("pos", "/buurtsportcoaches/", PAGE),
    ("pos", "/buurtsportcoaches/{coach}/", PAGE),
    ("pos", "/bijeenkomsten/", PAGE),
    ("clubondersteuner", "/bijeenkomsten/nieuw/", PAGE),
    ("pos", "/pos-kantoren/{office}/bijeenkomsten/nieuw/", PAGE),
    ("pos", "/pos-kantoren/{office}/programma/", PAGE),
    ("pos", "/bijeenkomsten/{meeting}/", PAGE),
    ("pos", "/bijeenkomsten/{meeting}/bewerken/", PAGE),
    ("pos", "/bijeenkomsten/{meeting}/uitnodiging.ics", PAGE),
    ("pos", "/bijeenkomsten/{meeting}/annuleren/", POST_ONLY),
    ("pos", "/afspraken/{agreement}/afgerond/", POST_ONLY),
    ("pos", "/subsidies/regelingen/", PAGE),
    ("pos", "/subsidies/regelingen/nieuw/", PAGE),
    ("pos", "/subsidies/regelingen/{scheme}/", PAGE),
    ("pos", "/subsidies/regelingen/{scheme}/bewerken/", PAGE),
    ("pos", "/subsidies/aanbieders/", PAGE),
    ("pos", "/subsidies/aanbieders/{provider}/", PAGE),
    ("pos", "/subsidies/budgetten/", PAGE),
    ("pos", "/subsidies/budgetten/{budget}/", PAGE),
    ("pos", "/subsidies/budgetten/{budget}/bewerken/", PAGE),
    ("pos", "/subsidies/toekenningen/{allocation}/intrekken/", PAGE),
    ("pos", "/subsidies/transparantie/", PAGE),
    ("pos", "/subsidies/transparantie/{desk}/{year}/", PAGE),
    ("beheer", "/beheer/", PAGE),
    *[
        ("beheer", f"/beheer/{app}/", PAGE)
        for app in ("auth", "axes", "sportloket", "providers", "poskantoor", "meetings")
    ],
    ("beheer", "/beheer/subsidies/", PAGE),
    *[
        ("beheer", f"/beheer/{model}/", PAGE)
        for model in (
            "auth/group",
            "auth/user",
            "axes/accessattempt",
            "axes/accesslog",
            "axes/accessfailurelog",
            "sportloket/municipality",
            "sportloket/targetgroup",
            "sportloket/sport",
            "sportloket/theme",
            "sportloket/questioncategory",
            "sportloket/organisation",
            "sportloket/desk",
            "sportloket/staffprofile",
            "sportloket/auditevent",
            "sportloket/outgoingemail",
            "providers/provider",
            "poskantoor/posoffice",
            "poskantoor/interestregistration",
            "poskantoor/deadlinenotice",
            "poskantoor/startsession",
            "poskantoor/yearplan",
            "meetings/supportrequest",
            "meetings/handover",
            "meetings/contactmoment",
            "subsidies/scheme",
            "subsidies/schemeshare",
            "subsidies/digestoptout",
            "subsidies/budget",
            "subsidies/allocation",
        )
    ],
    ("beheer", "/beheer/sportloket/neighbourhoodsportcoach/", MOVED),
    ("beheer", "/beheer/sportloket/neighbourhoodsportcoach/{coach}/change/", MOVED),
]


def _sample_ids() -> dict[str, object]:
    """The first demo row of each kind a path needs, within the demo logins' scopes."""
    supporter = get_user_model().objects.get(username="clubondersteuner")
    desk = Desk.objects.get(staff__user=supporter)
    office = PosOffice.objects.order_by("pk").first()
    question = SupportRequest.objects.filter(desk=desk).order_by("pk").first()
    return {
        "desk": desk.pk,
        "provider": Provider.objects.filter(municipality__desks=desk).order_by("pk").first().pk,
        "office": office.pk,
        "step": FoundingStep.objects.filter(office=office).order_by("position").first().pk,
        "member": CoreGroupMember.objects.filter(office=office).order_by("pk").first().pk,
        "question": question.pk,
        "follow_token": question.public_token,
        "handover": Handover.objects.filter(
            status=HandoverStatus.PENDING, support_request__desk=desk
        )
        .order_by("pk")
        .first()
        .pk,
        "meeting": Meeting.objects.order_by("pk").first().pk,
        "agreement": Agreement.objects.order_by("pk").first().pk,
        "coach": NeighbourhoodSportCoach.objects.order_by("pk").first().pk,
        "scheme": Scheme.objects.order_by("pk").first().pk,
        "budget": Budget.objects.order_by("pk").first().pk,
        "allocation": Allocation.objects.order_by("pk").first().pk,
        "year": YEAR,
        "token": "unknown-link",
        "unsubscribe": urlsplit(unsubscribe_url(Provider.objects.order_by("pk").first())).path,
    }


@pytest.mark.django_db
def test_every_page_path_of_the_last_release_still_answers_for_its_role():
    call_command("demo_data", stdout=io.StringIO())
    ids = _sample_ids()
    users = get_user_model().objects.in_bulk(
        ["clubondersteuner", "pos", "beheer"], field_name="username"
    )
    wrong = []
    for role, template, accepted in OLD_PATHS:
        client = Client()
        if role != "anonymous":
            client.force_login(users[role])
        path = template.format(**ids)
        response = client.get(path)
        if response.status_code not in accepted:
            wrong.append(f"{path} as {role}: {response.status_code}, expected {sorted(accepted)}")
        elif response.status_code in MOVED:
            target = client.get(response["Location"]).status_code
            if target != 200:
                wrong.append(f"{path} as {role}: moved to {response['Location']}, {target}")
    assert not wrong, "\n".join(wrong)
