"""WCAG 2.1 AA: axe-core on every page of the four journeys in Chromium, zero serious or
critical violations, and no Content Security Policy violation in the console; one journey
(the public registration) done with the keyboard alone."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

from providers.constants import ProviderStatus
from providers.models import Provider
from sportloket.constants import Role

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


ADMIN_PAGES = [
    "/beheer/",
    "/beheer/providers/provider/",
    "/beheer/providers/provider/add/",
    "/beheer/auth/user/",
]


def test_the_admin_site_runs_under_the_content_security_policy(page, login):
    """Administrators use Django's admin: no script or style of it may be blocked by the CSP
    (a blocked one would break the page silently). Accessibility of Django's own admin is
    Django's; the journeys above cover our pages."""
    build_world()
    login("admin")
    problems = watch_console(page)
    for url in ADMIN_PAGES:
        assert page.goto(url).status == 200, url
    assert not problems, problems


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
