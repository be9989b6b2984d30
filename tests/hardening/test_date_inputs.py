"""Issue "Contact moments": "date inputs get ISO values, shown the Dutch way by the browser.
Check every date and datetime input in the product the same way (a browser test that submits
each form with its prefilled values)."

Every GET page of every role (the permission matrix's routes, filled in from the shared world)
is searched for date and datetime inputs; each such page is opened in Chromium with a Dutch
locale. A prefilled value must be one the browser accepts (the browser empties an input whose
value it cannot read, which is how "07-12-2026" showed as an empty field), and each form with a
date input is submitted as it stands (required checks of the browser off, so the server judges)
without an error on any prefilled date input and without "enter a valid date" anywhere."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from sportloket.constants import Role

from .test_permission_matrix import APP_ROUTES, MATRIX
from .test_security import EXPORT_ROUTE
from .world import build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DATE_INPUT = re.compile(r"<input[^>]*type=\"(date|datetime-local)\"", re.I)
ISO_VALUE = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$")
# Django's messages for a date it could not read, in Dutch and English.
DATE_ERRORS = ("Voer een geldige datum in", "Enter a valid date")
# Who opens the pages, in this order: each page is checked once, by the first role whose view
# of it has a date input (a club supporter's desk forms, POS staff's office forms, ...).
ACTORS = {
    "club": Role.CLUB_SUPPORTER.value,
    "pos": Role.POS_STAFF.value,
    "policy": Role.POLICY_STAFF.value,
    "admin": Role.ADMINISTRATOR.value,
    None: "anonymous",
}

READ_DATE_INPUTS = """
() => [...document.querySelectorAll('input[type=date], input[type=datetime-local]')].map(el => ({
    name: el.name,
    form: el.form ? [...document.forms].indexOf(el.form) : -1,
    attribute: el.getAttribute('value'),
    value: el.value,
}))
"""
SUBMIT_FORM = """
(index) => {
    const form = document.forms[index];
    form.noValidate = true;
    form.requestSubmit();
}
"""
DATE_INPUT_ERRORS = """
() => [...document.querySelectorAll('input[type=date], input[type=datetime-local]')]
    .filter(el => el.classList.contains('is-invalid') || el.getAttribute('aria-invalid') === 'true')
    .map(el => el.name)
"""


def pages_with_date_inputs(world) -> list[tuple[str | None, str]]:
    """(username or None for the public, URL) of every page that shows a date input."""
    found: dict[str, str | None] = {}
    for username, actor in ACTORS.items():
        client = Client()
        if username is not None:
            client.force_login(world.users[actor])
        for route in APP_ROUTES:
            rule = MATRIX[route]
            if rule.method != "get" or EXPORT_ROUTE.search(route) or rule.expected(actor) != 200:
                continue
            if username is not None and rule.roles == "public":
                continue
            url = world.url(route)
            if url in found:
                continue
            response = client.get(url)
            if response.status_code == 200 and DATE_INPUT.search(response.content.decode()):
                found[url] = username
    return [(username, url) for url, username in found.items()]


def test_every_date_input_shows_its_value_and_submits_as_prefilled(page, login):
    world = build_world()
    pages = pages_with_date_inputs(world)
    urls = [url for _, url in pages]
    assert "/loket/contactmomenten/" in urls
    assert len(pages) >= 8, urls
    failures: list[str] = []
    prefilled = 0
    logged_in = None
    order = list(ACTORS)
    for username, url in sorted(pages, key=lambda p: order.index(p[0])):
        if username != logged_in:
            page.context.clear_cookies()
            if username is not None:
                login(username)
            logged_in = username
        page.goto(url)
        inputs = page.evaluate(READ_DATE_INPUTS)
        for field in inputs:
            if field["attribute"]:
                prefilled += 1
                if field["value"] != field["attribute"] or not ISO_VALUE.match(field["value"]):
                    failures.append(
                        f"{url} {field['name']}: value {field['attribute']!r} shows as "
                        f"{field['value']!r}"
                    )
        for form_index in sorted({f["form"] for f in inputs if f["form"] >= 0}):
            response = page.goto(url)
            if response.status != 200:
                failures.append(f"{url}: {response.status} before submitting form {form_index}")
                continue
            # Wait for the page the form's POST answers with: reading the page right after
            # the submit could run while the browser leaves the old page (on a busy machine).
            with page.expect_navigation():
                page.evaluate(SUBMIT_FORM, form_index)
            page.wait_for_load_state("networkidle")
            # An empty required date may be refused as missing; a prefilled one never.
            sent = {f["name"] for f in inputs if f["form"] == form_index and f["attribute"]}
            invalid = sorted(sent.intersection(page.evaluate(DATE_INPUT_ERRORS)))
            text = page.locator("body").inner_text()
            if invalid or any(message in text for message in DATE_ERRORS):
                failures.append(f"{url} form {form_index}: date refused {invalid}")
    assert prefilled >= 3, "no prefilled date input found: the check would prove nothing"
    assert not failures, "\n".join(failures)
