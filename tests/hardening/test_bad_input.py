"""The bad-input corpus: every form and every query parameter of every page, fed generated
values (hypothesis) of wrong types, huge sizes, unicode edge cases and injection strings.
Zero server errors; a refused submission (4xx) writes nothing.

The forms are found by rendering each page of the permission matrix as a role that may open it
and reading its <form> elements, so a new form is covered without touching this file.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .test_permission_matrix import ADMIN, APP_ROUTES, MATRIX, PUBLIC
from .world import build_world

INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE providers_provider; --',
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "${7*7}",
    "../../../../etc/passwd",
    "$(rm -rf /)",
    "`id`",
    "file:///etc/passwd",
    "http://169.254.169.254/latest/meta-data/",
    "\x00",
    "a\x00b",
    "\u202e\u200b\ufeff",
    "😀" * 50,
    "ǅ̸̡̛̩͙̗ẑ̴̡",
    "\r\nBcc: victim@example.org",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "-Infinity",
    "2026-02-30",
    "31-12-2026",
    "9999-12-31",
    "0001-01-01",
    "[]",
    "{}",
    "true",
    " ",
    "",
]
VALUES = st.one_of(
    st.sampled_from(INJECTIONS),
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.sampled_from(["x" * 10_000, "9" * 5_000, "é" * 3_000]),
)
OUR_APPS = ("sportloket", "providers", "poskantoor", "meetings", "subsidies")
# The navigation's log-out form would end the session before the page's own forms are tried.
SKIP_ACTIONS = {"/account/logout/"}
GENERIC_PARAMS = ["page", "sort", "q", "year", "status", "next"]


class FormParser(HTMLParser):
    """The <form>s of a page: method, action and the names of their fields."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append(
                {
                    "method": (attrs.get("method") or "get").lower(),
                    "action": attrs.get("action") or "",
                    "fields": [],
                }
            )
        elif tag in ("input", "select", "textarea", "button") and self.forms:
            name = attrs.get("name")
            if name and name != "csrfmiddlewaretoken" and name not in self.forms[-1]["fields"]:
                self.forms[-1]["fields"].append(name)


def actor_for(route: str) -> str:
    rule = MATRIX[route]
    if rule.roles == PUBLIC:
        return "anonymous"
    for role in (*rule.roles, ADMIN):
        if rule.expected(role) == rule.ok:
            return role
    return ADMIN


def snapshot() -> dict[str, int]:
    """The number of rows of every model of ours, in one query (a count per table was a
    hundred round trips before and after each submission: 40 % of this test's time)."""
    models = [
        m
        for m in apps.get_models()
        if (m._meta.app_label in OUR_APPS or m._meta.label == "auth.User")
        and not m._meta.proxy
        and m._meta.managed
    ]
    tables = [connection.ops.quote_name(m._meta.db_table) for m in models]
    counts = ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")  # noqa: S608 (table names from the models)
        row = cursor.fetchone()
    return {m._meta.label: n for m, n in zip(models, row, strict=True)}


# Health endpoints answer 503 by design when a dependency is red (tests/operations/test_health.py).
PAGES = [
    r
    for r in APP_ROUTES
    if MATRIX[r].method == "get" and not r.startswith(("account/reset", "health/"))
]
_worlds: dict[str, object] = {}


@pytest.mark.django_db
@override_settings(
    SPORTLOKET_PUBLIC_FORM_RATE=100_000,
    SPORTLOKET_SEARCH_RATE=100_000,
    SPORTLOKET_EXPORT_RATE=100_000,
    SPORTLOKET_LOGIN_RATE=100_000,
)
@pytest.mark.parametrize("route", PAGES)
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_form_or_query_parameter_causes_a_server_error(client, route, data):
    world = _worlds.get(route)
    if world is None:  # once per page: the examples share the test's transaction
        world = _worlds[route] = build_world()
    user = world.users[actor_for(route)]
    client.logout()
    if user is not None:
        client.force_login(user)
    url = world.url(route)
    page = client.get(url)
    assert page.status_code < 500
    if not page.get("Content-Type", "").startswith("text/html"):
        return
    parser = FormParser()
    parser.feed(page.content.decode())
    forms = parser.forms or [{"method": "get", "action": "", "fields": []}]
    for form in forms:
        target = form["action"] or url
        if not target.startswith("/") or target.startswith("//") or target in SKIP_ACTIONS:
            continue
        fields = form["fields"] + (GENERIC_PARAMS if form["method"] == "get" else [])
        values = {name: data.draw(VALUES, label=name) for name in fields}
        if form["method"] == "get":
            response = client.get(target, values)
            assert response.status_code < 500, f"GET {target} {values!r}"
            continue
        before = snapshot()
        with transaction.atomic():
            response = client.post(target, values)
            after = snapshot()
            transaction.set_rollback(True)  # keep the world as it was for the next example
        assert response.status_code < 500, f"POST {target} {values!r}"
        if response.status_code >= 400:
            assert after == before, f"POST {target} refused ({response.status_code}) but wrote"


@pytest.mark.django_db
def test_the_snapshot_sees_a_row_written_or_removed():
    from tests.factories import ProviderFactory

    before = snapshot()
    provider = ProviderFactory()
    written = snapshot()
    assert written["providers.Provider"] == before["providers.Provider"] + 1
    provider.delete()
    assert snapshot() == before
