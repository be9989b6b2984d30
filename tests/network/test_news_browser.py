"""The news update's journey in real Chromium, axe-core on every page: POS staff write an
update (a mistake first), preview the page and the e-mail, send it, find it in the archive; a
recipient unsubscribes from the link in the e-mail without logging in."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from network.news.constants import UpdateStatus
from network.news.models import NewsSubscription, NewsUpdate
from tests.hardening.test_accessibility import serious_violations, watch_console

from .news_helpers import network_of, offices

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pos_staff_compose_preview_send_and_find_it_in_the_archive(page, login, pos):
    office, _other = offices()
    addresses = network_of(office, members=1, entrepreneurs=2)
    problems = watch_console(page)
    failures: list[str] = []

    def check(label: str) -> None:
        failures.extend(f"{label}: {v}" for v in serious_violations(page))
        failures.extend(f"{label}: {p}" for p in problems)
        problems.clear()

    login("joost")
    page.get_by_role("link", name="POS-lokaal", exact=True).click()
    check("archive (empty)")
    page.get_by_role("link", name="Nieuwsupdate schrijven").click()
    check("compose")

    page.get_by_label("Titel").fill("Sportcafé in maart")
    page.get_by_label("Tekst").fill(
        "Beste ondernemers,\n\nOp **12 maart** is er een sportcafé.\n\n"
        "- Inloop 19.30\n- Start 20.00"
    )
    page.get_by_label("Link").fill("javascript:alert(1)")
    page.get_by_label("Eén POS-kantoor").check()
    page.get_by_role("button", name="Opslaan en voorbeeld bekijken").click()
    page.get_by_text("Kies het POS-kantoor waarvoor deze update is.").wait_for()
    check("compose (errors)")
    assert not NewsUpdate.objects.exists()
    # What was typed is still there.
    assert page.get_by_label("Titel").input_value() == "Sportcafé in maart"

    page.get_by_label("Link").fill("https://pos.nl/sportcafe")
    page.get_by_label("POS-kantoor", exact=True).select_option(label=office.name)
    page.get_by_role("button", name="Opslaan en voorbeeld bekijken").click()
    page.get_by_role("heading", name="Op de archiefpagina").wait_for()
    check("preview")
    assert page.locator(".news-body strong").inner_text() == "12 maart"
    assert page.get_by_test_id("email-subject").inner_text() == "POS-lokaal: Sportcafé in maart"
    assert "Afmelden: " in page.locator("pre").inner_text()
    assert "Deze update gaat nu naar 3 aangemelden." in page.content()

    page.get_by_role("button", name="Update versturen").click()
    page.get_by_text("De update wordt verstuurd").wait_for()
    check("archive (sent)")
    update = NewsUpdate.objects.get()
    assert update.status == UpdateStatus.SENT
    assert sorted(m.to[0] for m in mail.outbox) == sorted(addresses)

    page.get_by_role("link", name="Sportcafé in maart").click()
    page.get_by_role("heading", name="Sportcafé in maart").wait_for()
    check("detail")

    # A recipient unsubscribes from the link in their e-mail, without logging in.
    page.context.clear_cookies()
    message = next(m for m in mail.outbox if m.to == [addresses[0]])
    link = re.search(r"https?://\S+(/pos-lokaal/afmelden/\S+/)", message.body).group(1)
    page.goto(link)
    check("unsubscribe")
    page.get_by_role("button", name="Afmelden").click()
    page.get_by_text("U ontvangt de nieuwsupdate POS-lokaal niet meer").wait_for()
    check("unsubscribed")
    assert not NewsSubscription.objects.filter(email=addresses[0]).exists()
    assert not failures, "\n".join(failures)
