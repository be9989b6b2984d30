"""The keyboard alone (WCAG 2.1.1, 2.1.2, 2.4.1, 2.4.3, 2.4.7, 1.4.11), in Chromium.

A staff journey: a club supporter logs in, opens the triage board, filters it, opens a question
and hands it over to a partner organisation with only Tab, Shift+Tab, Enter, Space, arrow keys
and typing; the skip link must move focus past the navigation into the main content. And every
HTML page of the four journeys is walked with Tab: every control reachable, focus comes back
round (no trap), a visible focus ring on every stop. (The public registration with the
keyboard alone is in test_accessibility.py.)
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from meetings.models import Handover
from meetings.support.constants import HandoverStatus, SupportStatus
from tests.factories import DeskFactory, OrganisationFactory, StaffProfileFactory
from tests.meetings.factories import SupportRequestFactory

from .test_accessibility import JOURNEYS, journey_routes, serious_violations, watch_console
from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "geheim-wachtwoord-123"

# What a focused element looks like: enough to name it in a failure, and whether a focus ring
# is drawn around it: an outline of at least 2 px, or an opaque box shadow (Bootstrap's own
# translucent glow does not count: too faint for WCAG 1.4.11). Focus on the calendar button
# inside a date or time input lives in the browser's shadow DOM (the input itself then does not
# match :focus); the browser draws that ring, so it counts as present.
FOCUS_INFO = """(el) => {
  const s = getComputedStyle(el);
  const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim();
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
  const shadow = s.boxShadow !== 'none' && !/rgba\\([^)]*,\\s*(0|0?\\.\\d+)\\)/.test(s.boxShadow);
  const pickerButton = !el.matches(':focus')
    && ['date', 'time', 'datetime-local'].includes(el.type);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.name || '', type: el.type || '',
    text: text.slice(0, 40), cls: String(el.className || ''), kbd: el.dataset.kbd,
    ring: outline || shadow || pickerButton,
  };
}"""
FOCUSED = f"""(() => {{
  const el = document.activeElement;
  return !el || el === document.body ? null : ({FOCUS_INFO})(el);
}})()"""


class Keyboard:
    """Drives the page with keys only and remembers every focus stop without a visible ring."""

    def __init__(self, page):
        self.page = page
        self.without_ring: list[str] = []

    def focused(self) -> dict | None:
        return self.page.evaluate(FOCUSED)

    def press(self, key: str) -> dict | None:
        self.page.keyboard.press(key)
        focused = self.focused()
        if key in ("Tab", "Shift+Tab") and focused is not None and not focused["ring"]:
            self.without_ring.append(f"{self.page.url}: {describe(focused)}")
        return focused

    def tab_to(self, predicate, *, backwards: bool = False, limit: int = 80) -> dict:
        """Tab (or Shift+Tab) until ``predicate(focused)`` holds; fail if it never does, which
        means the control cannot be reached with the keyboard (or focus is trapped)."""
        current = self.focused()
        if current is not None and predicate(current):
            return current
        visited = []
        for _ in range(limit):
            focused = self.press("Shift+Tab" if backwards else "Tab")
            if focused is not None and predicate(focused):
                return focused
            visited.append(describe(focused))
        pytest.fail(f"not reachable with the keyboard on {self.page.url}; visited: {visited}")

    def choose(self, select_id: str, value: str, limit: int = 20) -> None:
        """Arrow through a focused select until ``value`` is chosen."""
        for key in ("ArrowDown", "ArrowUp"):
            for _ in range(limit):
                if self.page.evaluate("document.activeElement.value") == value:
                    return
                self.page.keyboard.press(key)
        assert self.page.evaluate("document.activeElement.value") == value, select_id

    def skip_to_main(self) -> None:
        """The first Tab of a page reaches the skip link, which then shows on screen; Enter
        moves focus to <main>, so the next Tab lands on main's first control, past the menu."""
        focused = self.press("Tab")
        assert focused is not None
        assert "skip-link" in focused["cls"], describe(focused)
        assert focused["ring"], "the skip link shows no focus ring"
        box = self.page.locator(".skip-link").bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["y"] >= 0
        self.page.keyboard.press("Enter")
        assert self.page.evaluate("document.activeElement.id") == "main"
        self.press("Tab")
        assert self.page.evaluate("!!document.activeElement.closest('main')"), self.focused()


def describe(focused: dict | None) -> str:
    if focused is None:
        return "<body>"
    return f"{focused['tag']}#{focused['id']}[{focused['name']}] {focused['text']!r}"


def by_id(element_id: str):
    return lambda f: f["id"] == element_id


def test_a_club_supporter_triages_and_hands_over_with_the_keyboard_alone(page):
    partner = OrganisationFactory(name="Sportbedrijf Utrecht")
    desk = DeskFactory(partner_organisations=[partner])
    club = StaffProfileFactory(club_supporter=True, desk=desk, user__username="kim").user
    question = SupportRequestFactory(
        desk=desk, subject="Zwemles voor ouderen", status=SupportStatus.NEW
    )
    other = SupportRequestFactory(
        desk=desk, subject="Nieuwe kleedkamers", status=SupportStatus.TRIAGED
    )
    page.emulate_media(reduced_motion="reduce")  # no transitions: the ring is there at once
    problems = watch_console(page)
    keys = Keyboard(page)

    # Log in: the username field has the focus already (autofocus); the skip link is one
    # Shift+Tab away for whoever wants the page from the top.
    page.goto("/account/login/")
    assert keys.focused()["id"] == "id_username"
    page.keyboard.type(club.username)
    assert keys.press("Tab")["id"] == "id_password"
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: urlparse(url).path == "/")

    # The navigation leads to the triage board.
    keys.tab_to(lambda f: f["tag"] == "a" and f["text"] == "Hulpvragen")
    page.keyboard.press("Enter")
    page.wait_for_url("**/loket/hulpvragen/")
    assert page.get_by_text(other.subject).is_visible()

    # Filter on status "new" with the arrow keys, apply with Space on the button.
    keys.skip_to_main()
    keys.tab_to(by_id("id_status"))
    keys.choose("id_status", SupportStatus.NEW.value)
    # The list is redrawn (htmx) as the choice changes; the focus stays on the filter.
    page.wait_for_url("**status=new**")
    assert not page.get_by_text(other.subject).is_visible()
    assert keys.focused()["id"] == "id_status"
    keys.tab_to(lambda f: f["tag"] == "button" and f["text"] == "Filter")
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    page.get_by_text(question.subject).wait_for()
    assert not page.get_by_text(other.subject).is_visible()

    # Open the question.
    keys.skip_to_main()
    keys.tab_to(lambda f: f["tag"] == "a" and question.subject in f["text"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/loket/hulpvragen/{question.pk}/")

    # Hand it over: choose the partner, write the note, Shift+Tab back to check it, submit.
    keys.skip_to_main()
    select = keys.tab_to(lambda f: f["tag"] == "select" and f["name"] == "organisation")
    keys.choose(select["id"], str(partner.pk))
    note = keys.press("Tab")
    assert note["tag"] == "textarea"
    assert note["name"] == "note"
    page.keyboard.type("Graag contact opnemen over zwemles voor 65-plussers.")
    assert keys.press("Tab")["text"] == "Overdragen"
    back = keys.press("Shift+Tab")
    assert back["id"] == note["id"]
    assert page.evaluate("document.activeElement.value").startswith("Graag contact")
    keys.press("Tab")
    page.keyboard.press("Space")
    page.get_by_role("alert").first.wait_for()

    handover = Handover.objects.get(support_request=question)
    assert handover.organisation == partner
    assert handover.status == HandoverStatus.PENDING
    assert handover.note.startswith("Graag contact")
    question.refresh_from_db()
    assert question.status == SupportStatus.HANDED_OVER

    assert not keys.without_ring, "focus without a visible ring:\n" + "\n".join(keys.without_ring)
    assert not problems, problems
    assert not serious_violations(page)


# Every control a person could operate on the page, numbered (data-kbd); a focus listener logs
# each element the Tab key reaches, with its ring.
WALK_SETUP = f"""(() => {{
  const controls = Array.from(document.querySelectorAll(
      'a[href], button, input, select, textarea, summary, [tabindex]'))
    .filter(el => !el.disabled && el.tabIndex >= 0 && el.type !== 'hidden'
                  && el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
    // A radio group is one Tab stop (arrow keys move within it): its checked radio, or its first.
    .filter(el => {{
      if (el.type !== 'radio') return true;
      const group = Array.from(document.querySelectorAll(
          `input[type="radio"][name="${{CSS.escape(el.name)}}"]`));
      return (group.find(r => r.checked) || group[0]) === el;
    }});
  controls.forEach((el, i) => {{ el.dataset.kbd = String(i); }});
  window.kbdStops = [];
  document.addEventListener('focusin', (event) => {{
    window.kbdStops.push(({FOCUS_INFO})(event.target));
  }});
  // Start from the top, also on pages whose first field has autofocus.
  document.body.tabIndex = -1;
  document.body.focus();
  document.body.removeAttribute('tabindex');
  window.kbdStops = [];
  return {{
    names: controls.map(el => el.tagName.toLowerCase() + '#' + el.id + ' '
                              + (el.innerText || el.name || '').trim().slice(0, 30)),
    extra: controls.filter(el => ['date', 'time', 'datetime-local'].includes(el.type)).length,
  }};
}})()"""


def walk_with_tab(page) -> list[str]:
    """Tab through the whole page once: every control must be reached, focus must come back
    round to the first one (no trap), and each stop must show a focus ring."""
    controls = page.evaluate(WALK_SETUP)
    names = controls["names"]
    # Date and time inputs take a Tab per part (day, month, year, calendar button).
    for _ in range(len(names) + 4 * controls["extra"] + 4):
        page.keyboard.press("Tab")
    stops = page.evaluate("window.kbdStops")
    reached = [stop["kbd"] for stop in stops]
    problems = [
        f"not reachable with Tab: {names[i]}" for i in range(len(names)) if str(i) not in reached
    ]
    if names and reached.count("0") < 2:
        last = describe(stops[-1] if stops else None)
        problems.append(f"focus did not come round to the start (a trap?): it ends at {last}")
    problems += [f"no visible focus: {describe(stop)}" for stop in stops if not stop["ring"]]
    return list(dict.fromkeys(problems))


@pytest.mark.parametrize("journey", list(JOURNEYS))
def test_every_page_of_the_journey_can_be_walked_with_tab(page, login, journey):
    """Generated like the axe check (every HTML page of the journey): nothing unreachable, no
    keyboard trap, a visible focus ring on every stop."""
    world = build_world()
    page.emulate_media(reduced_motion="reduce")
    if JOURNEYS[journey] is not None:
        login(JOURNEYS[journey][0])
    failures = []
    for route in journey_routes(journey):
        url = world.url(route)
        page.goto(url)
        failures += [f"{url}: {problem}" for problem in walk_with_tab(page)]
    assert not failures, "\n".join(failures)
