"""The providers' portal in real Chromium, axe-core clean on every page: ask for a sign-in
link, open it from the outbox, see the organisation's questions, add information."""

from __future__ import annotations

import re

import pytest

from meetings.models import SupportRequestEvent
from meetings.support.constants import EventKind, SupportStatus
from sportloket.models import OutgoingEmail
from tests.factories import DeskFactory, ProviderFactory
from tests.hardening.test_accessibility import serious_violations, watch_console
from tests.meetings.factories import SupportRequestFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_contact_signs_in_by_email_link_and_adds_information(page):
    desk = DeskFactory(name="Loket Utrecht")
    provider = ProviderFactory(name="Tennisclub De Lob", email="kim@delob.example")
    question = SupportRequestFactory(
        desk=desk,
        provider=provider,
        subject="Vrijwilligers gezocht",
        status=SupportStatus.WAITING_FOR_PROVIDER,
    )
    SupportRequestFactory(desk=desk, provider=ProviderFactory(), subject="Zwembadhuur")
    problems = watch_console(page)
    failures: list[str] = []

    def check(label: str) -> None:
        failures.extend(f"{label}: {v}" for v in serious_violations(page))
        failures.extend(f"{label}: {p}" for p in problems)
        problems.clear()

    page.goto("/portaal/")
    page.get_by_role("heading", name="Inloggen op het portaal voor aanbieders").wait_for()
    check("sign-in")
    page.get_by_role("button", name="Stuur mij een inloglink").click()
    page.get_by_text("Dit veld is verplicht.").first.wait_for()
    check("sign-in (errors)")
    page.get_by_label("Uw e-mailadres").fill("kim@delob.example")
    page.get_by_role("button", name="Stuur mij een inloglink").click()
    page.wait_for_load_state()
    page.get_by_role("heading", name="Kijk in uw e-mail").wait_for()
    check("sent")

    (mail,) = [m for m in OutgoingEmail.objects.all() if "kim@delob.example" in m.to]
    link = re.search(r"https?://\S+(/portaal/inloggen/[^/\s]+/)", mail.body).group(1)
    page.goto(link)
    check("link")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", name="Tennisclub De Lob").wait_for()
    check("home")
    table = page.locator("#portal-questions").inner_text()
    assert "Vrijwilligers gezocht" in table
    assert "Zwembadhuur" not in table

    page.get_by_role("link", name="Vrijwilligers gezocht").click()
    assert page.locator("#public-status").inner_text() == "Wacht op aanbieder"
    check("question")
    page.get_by_role("button", name="Versturen").click()
    page.get_by_text("Dit veld is verplicht.").wait_for()
    check("question (errors)")
    page.get_by_label("Informatie toevoegen").fill("We hebben 12 vrijwilligers nodig.")
    page.get_by_role("button", name="Versturen").click()
    page.get_by_text("We hebben 12 vrijwilligers nodig.").first.wait_for()
    assert SupportRequestEvent.objects.filter(
        support_request=question, kind=EventKind.PROVIDER_MESSAGE
    ).exists()

    for name in (
        "Nieuwe vraag stellen",
        "E-mail met regelingen",
        "Onze persoonsgegevens",
        "Collega's",
    ):
        page.get_by_role("link", name=name).click()
        page.wait_for_load_state()
        check(name)

    page.get_by_role("button", name="Uitloggen uit het portaal").click()
    page.get_by_text("U bent uitgelogd uit het portaal.").wait_for()
    # The link from the e-mail works once.
    page.goto(link)
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_text("Deze inloglink is al gebruikt.", exact=False).wait_for()
    check("used link")
    assert not failures, "\n".join(failures)
