"""WCAG 2.1 AA: axe-core on every page of the four journeys and on every page of Django's admin
(the administrator's journey) in Chromium, zero serious or critical violations, and no Content
Security Policy violation in the console; the public registration done with the keyboard
alone (a staff journey with the keyboard alone, and a Tab walk over every page:
test_keyboard_journeys.py)."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from axes.models import AccessAttempt, AccessFailureLog
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from api.services import api_token_create
from meetings.models import ContactMoment
from meetings.support.constants import ContactChannel
from poskantoor.constants import NoticeKind, SessionTopic
from poskantoor.models import (
    DeadlineNotice,
    InterestRegistration,
    MappingStatement,
    StartSession,
)
from providers.constants import ProviderStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import (
    ClaimRoleMapping,
    IdentityProviderLink,
    OutgoingEmail,
    PrivacyController,
)
from sportloket.services import audit_record
from subsidies.constants import Decision, ShareChannel
from subsidies.models import Allocation, DigestOptOut, SchemeShare

from .test_permission_matrix import APP_ROUTES, MATRIX, PUBLIC
from .test_security import EXPORT_ROUTE
from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}
# The four journeys of design.md §1: the public, club supporters, policy staff, POS staff.
JOURNEYS = {
    "public": None,
    "club_supporter": ("club", Role.CLUB_SUPPORTER.value),
    "policy_staff": ("policy", Role.POLICY_STAFF.value),
    "pos_staff": ("pos", Role.POS_STAFF.value),
}


def journey_routes(journey: str) -> list[str]:
    """The HTML pages a journey can open: every GET route that answers 200 to its actor."""
    actor = "anonymous" if JOURNEYS[journey] is None else JOURNEYS[journey][1]
    found = []
    for route in APP_ROUTES:
        rule = MATRIX[route]
        if rule.method != "get" or EXPORT_ROUTE.search(route) or rule.expected(actor) != 200:
            continue
        if journey != "public" and rule.roles == PUBLIC:
            continue  # the public journey covers those
        found.append(route)
    return found


def watch_console(page) -> list[str]:
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text
            else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"script error: {e}"))
    return problems


def serious_violations(page) -> list[str]:
    results = AXE.run(page, options=AXE_OPTIONS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            f"{n['target'][0] if n['target'] else '?'} [{n.get('failureSummary', '')[:160]}]"
            for n in v["nodes"][:3]
        )
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_page_of_the_journey_passes_axe_and_the_csp(page, login, journey):
    world = build_world()
    if JOURNEYS[journey] is not None:
        login(JOURNEYS[journey][0])
    problems = watch_console(page)
    failures = []
    routes = journey_routes(journey)
    assert len(routes) >= 5
    for route in routes:
        url = world.url(route)
        response = page.goto(url)
        assert response.status == 200, f"{url}: {response.status}"
        failures += [f"{url}: {v}" for v in serious_violations(page)]
        failures += [f"{url}: {p}" for p in problems]
        problems.clear()
    if journey == "public":
        # The error state of a public form: messages must be announced and tied to fields.
        page.goto("/aanmelden/")
        page.get_by_role("button", name="Aanmelden").click()
        page.wait_for_load_state()
        failures += [f"/aanmelden/ (errors): {v}" for v in serious_violations(page)]
    assert not failures, "\n".join(failures)


# --- The administrator's pages: Django's admin ------------------------------------------------


def admin_samples(world) -> None:
    """One object of each admin model that the shared world does not make, so that every change
    form is checked. A new ModelAdmin whose model has no object fails the test below: add one
    here."""
    k = world.kwargs
    admin_user = world.users[Role.ADMINISTRATOR.value]
    office, provider, desk = k["office"], k["provider"], k["desk"]
    today = timezone.localdate()
    InterestRegistration.objects.create(
        municipality=office.municipality,
        organisation_name="Gemeente Utrecht",
        contact_name="Kim de Boer",
        email="kim@utrecht.example",
        privacy_consent_at=timezone.now(),
        office=office,
    )
    DeadlineNotice.objects.create(
        step=office.steps.order_by("pk").first(),
        kind=NoticeKind.REMINDER,
        claim="sample",
        created_at=timezone.now(),
        emailed_at=timezone.now(),
    )
    StartSession.objects.create(
        office=office, number=1, topic=SessionTopic.SHORT_TERM_GOALS, held_on=today
    )
    MappingStatement.objects.create(
        office=office,
        stated_on=today,
        registered_count=12,
        note="Uit het KvK-register en de ledenlijsten van de sportraad",
        stated_by=world.users[Role.POLICY_STAFF.value],
    )
    ContactMoment.objects.create(
        provider=provider, desk=desk, date=today, channel=ContactChannel.PHONE, summary="Gebeld"
    )
    SchemeShare.objects.create(
        scheme=k["scheme"], provider=provider, channel=ShareChannel.MANUAL, claim=uuid.uuid4()
    )
    DigestOptOut.objects.create(provider=provider)
    Allocation.objects.create(
        budget=k["budget"],
        provider=provider,
        amount=Decimal("250.00"),
        decision=Decision.GRANTED,
        rationale="Voldoet aan de basiseisen",
        decided_by=admin_user,
        decided_on=today,
    )
    audit_record(subject=provider, actor=admin_user, action="updated", summary="Naam aangepast")
    OutgoingEmail.objects.create(
        key="sample", to=["kim@utrecht.example"], subject="Bevestiging", body="Dank u wel"
    )
    PrivacyController.objects.create(name="Gemeente Utrecht", email="privacy@utrecht.example")
    ClaimRoleMapping.objects.create(
        claim="groups",
        value="sportloket-beleid",
        role=Role.POLICY_STAFF,
        municipality=office.municipality,
    )
    IdentityProviderLink.objects.create(
        user=world.users[Role.POLICY_STAFF.value], issuer="https://idp.example", subject="u-1"
    )
    attempt = {"username": "iemand", "ip_address": "192.0.2.1", "user_agent": "Firefox"}
    AccessAttempt.objects.create(**attempt, path_info="/account/login/", failures_since_start=1)
    AccessFailureLog.objects.create(**attempt, path_info="/account/login/")
    club = world.users[Role.CLUB_SUPPORTER.value]
    api_token_create(
        organisation=club.staff_profile.organisation, user=club, name="Website POS", by=admin_user
    )


def admin_pages(administrator) -> tuple[list[str], list[str]]:
    """Generated from the admin registry, so a new ModelAdmin is covered: the index, and per
    model its list and the change form of one object (an add form is the same form without
    the object); plus one app index and the user's password form. Returns the URLs and the
    models without an object to open."""
    request = RequestFactory().get("/beheer/")
    request.user = administrator
    pages = [reverse("admin:index"), reverse("admin:app_list", args=["sportloket"])]
    missing = []
    for model, model_admin in admin.site._registry.items():
        name = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append(reverse(f"{name}_changelist"))
        sample = model_admin.get_queryset(request).order_by("pk").first()
        if sample is None:
            missing.append(model._meta.label)
        else:
            pages.append(reverse(f"{name}_change", args=[sample.pk]))
    pages.append(reverse("admin:auth_user_password_change", args=[administrator.pk]))
    return pages, missing


def check_admin_page(page, problems: list[str], label: str) -> list[str]:
    """CSP problems of loading the page, then axe. (axe itself trips the CSP on some admin
    pages while it runs, so its own console noise is dropped.)"""
    failures = [f"{label}: {p}" for p in problems]
    failures += [f"{label}: {v}" for v in serious_violations(page)]
    problems.clear()
    return failures


def test_every_admin_page_passes_axe_and_the_csp(page, login):
    """The administrator's journey is Django's admin: every page of it (generated from the admin
    registry) has zero serious or critical axe violations and loads without a CSP violation,
    also the login page, a form with errors and the "reset two-step login" confirmation."""
    world = build_world()
    admin_samples(world)
    administrator = world.users[Role.ADMINISTRATOR.value]
    problems = watch_console(page)
    failures: list[str] = []

    page.goto("/beheer/login/")
    failures += check_admin_page(page, problems, "/beheer/login/")
    login("admin")
    problems.clear()
    pages, missing = admin_pages(administrator)
    assert not missing, f"admin models without an object to check (add to admin_samples): {missing}"
    assert len(pages) > 50
    for url in pages:
        response = page.goto(url)
        assert response.status == 200, f"{url}: {response.status}"
        failures += check_admin_page(page, problems, url)

    # A form with errors: the messages must be tied to their fields.
    page.goto(reverse("admin:sportloket_municipality_add"))
    page.locator("input[name=_save]").click()
    page.locator(".errornote").wait_for()
    failures += check_admin_page(page, problems, "municipality add (errors)")

    # Our own admin page: the confirmation of "Reset two-step login".
    page.goto(reverse("admin:sportloket_staffprofile_changelist"))
    page.locator("input.action-select").first.check()
    page.locator("select[name=action]").select_option("reset_two_factor")
    page.locator("button[name=index]").click()
    page.get_by_role("button", name="Inloggen in twee stappen resetten").wait_for()
    failures += check_admin_page(page, problems, "reset two-step login (confirmation)")
    assert not failures, "\n".join(failures)


def tab_to(page, predicate_js: str, limit: int = 80) -> None:
    """Press Tab until the focused element satisfies ``predicate_js`` (a JS expression over
    ``el``); fail if it is not reached, which means it cannot be reached by keyboard."""
    check = f"(() => {{ const el = document.activeElement; return {predicate_js}; }})()"
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(check):
            return
    pytest.fail(f"not reachable with Tab: {predicate_js}")


def by_id(element_id: str) -> str:
    return f"el && el.id === {element_id!r}"


def test_public_registration_with_the_keyboard_alone(page):
    page.goto("/aanmelden/")
    # The first Tab lands on the skip link, which jumps over the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    tab_to(page, by_id("id_name"))
    page.keyboard.type("Zwemclub De Golf")
    tab_to(page, by_id("id_kind"))
    page.keyboard.press("ArrowDown")  # first kind after the empty choice
    tab_to(page, by_id("id_municipality"))
    page.keyboard.type("Utrecht")
    tab_to(page, by_id("id_postcode"))
    page.keyboard.type("3511AB")
    tab_to(page, "el && el.type === 'checkbox' && el.name === 'sports'")
    page.keyboard.press("Space")
    tab_to(page, by_id("id_contact_name"))
    page.keyboard.type("Kim de Boer")
    tab_to(page, by_id("id_email"))
    page.keyboard.type("kim@golf.example")
    tab_to(page, "el && el.type === 'checkbox' && el.name === 'privacy_consent'")
    page.keyboard.press("Space")
    tab_to(page, "el && el.type === 'submit'")
    # Focus is visible on the button (WCAG 2.4.7): an outline or a box shadow.
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.boxShadow]; })()"
    )
    assert style[0] != "none" or style[1] != "none", style
    page.keyboard.press("Enter")
    page.wait_for_url("**/aanmelden/verstuurd/")
    provider = Provider.objects.get()
    assert provider.name == "Zwemclub De Golf"
    assert provider.status == ProviderStatus.PENDING
