"""The portal's social-safety evidence in real Chromium, axe-core clean on every page: the
contact sends evidence for two basics, the desk confirms one and rejects the other with a
reason, and the contact sees both outcomes; the matching schemes page shows why a scheme fits."""

from __future__ import annotations

import os
import re

import pytest

from meetings.models import SafetyClaim
from meetings.portal.constants import SafetyClaimState
from providers.constants import SafetyStatus
from sportloket.models import OutgoingEmail
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory
from tests.hardening.test_accessibility import serious_violations, watch_console
from tests.subsidies.factories import SchemeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_evidence_is_sent_checked_by_the_desk_and_the_outcome_seen(
    page, browser, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    desk = DeskFactory(name="Loket Utrecht")
    provider = ProviderFactory(name="Tennisclub De Lob", email="kim@delob.example")
    StaffProfileFactory(club_supporter=True, desk=desk, user__username="sanne")
    SchemeFactory(name="Fonds Sociale Veiligheid")
    problems = watch_console(page)
    failures: list[str] = []

    def check(label: str, on=page) -> None:
        failures.extend(f"{label}: {v}" for v in serious_violations(on))
        failures.extend(f"{label}: {p}" for p in problems)
        problems.clear()

    # The contact signs in with a link from the outbox.
    page.goto("/portaal/inloggen/")
    page.get_by_label("Uw e-mailadres").fill("kim@delob.example")
    page.get_by_role("button", name="Stuur mij een inloglink").click()
    page.get_by_role("heading", name="Kijk in uw e-mail").wait_for()
    (mail,) = [m for m in OutgoingEmail.objects.all() if "kim@delob.example" in m.to]
    page.goto(re.search(r"https?://\S+(/portaal/inloggen/[^/\s]+/)", mail.body).group(1))
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_role("heading", name="Tennisclub De Lob").wait_for()

    page.get_by_role("link", name="Sociale veiligheid", exact=True).click()
    page.get_by_role("heading", name="Sociale veiligheid", exact=True).wait_for()
    check("safety")
    page.get_by_role("link", name="Bewijs sturen voor Verklaring Omtrent het Gedrag (VOG)").click()
    check("claim form")
    page.get_by_role("button", name="Naar het loket sturen").click()
    page.get_by_text("Upload bewijs of geef een datum, of allebei.").first.wait_for()
    check("claim form (errors)")
    page.get_by_label("Datum").fill("2026-02-01")
    page.get_by_label("Bewijsstuk (PDF, PNG of JPEG, maximaal 5 MB)").set_input_files(
        files=[{"name": "vog.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Naar het loket sturen").click()
    page.get_by_text("uw bewijs is ter controle naar het loket gestuurd").wait_for()
    page.get_by_role("link", name="Bewijs sturen voor Gedragsregels").click()
    page.get_by_label("Bewijsstuk (PDF, PNG of JPEG, maximaal 5 MB)").set_input_files(
        files=[{"name": "gedragsregels.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Naar het loket sturen").click()
    page.get_by_text("uw bewijs is ter controle naar het loket gestuurd").wait_for()
    assert page.locator("#basic-vog").inner_text().count("Te controleren") == 1
    check("safety (sent)")

    page.get_by_role("link", name="Regelingen voor ons").click()
    page.get_by_text("Fonds Sociale Veiligheid", exact=True).wait_for()
    assert "Waarom het past:" in page.locator("#portal-schemes").inner_text()
    check("schemes")

    # The desk confirms the VOG and rejects the code of conduct with a reason.
    desk_context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    desk_context.set_default_timeout(int(os.environ.get("SPORTLOKET_BROWSER_TIMEOUT_MS", "30000")))
    desk_page = desk_context.new_page()
    desk_page.goto("/account/login/")
    desk_page.get_by_label("Gebruikersnaam").fill("sanne")
    desk_page.get_by_label("Wachtwoord").fill("geheim-wachtwoord-123")
    desk_page.get_by_role("button", name="Inloggen").click()
    desk_page.wait_for_url("**/")
    desk_page.get_by_role("link", name="Bewijs sociale veiligheid te controleren: 2").click()
    desk_page.get_by_role("heading", name="Bewijs sociale veiligheid").wait_for()
    check("desk list", desk_page)
    vog, conduct = (
        SafetyClaim.objects.get(basic="vog"),
        SafetyClaim.objects.get(basic="code_of_conduct"),
    )
    desk_page.goto(f"/loket/portaal/bewijs/{vog.pk}/")
    check("desk claim", desk_page)
    with desk_page.expect_download() as download:
        desk_page.get_by_role("link", name="vog.pdf downloaden").click()
    assert open(download.value.path(), "rb").read() == PDF  # noqa: PTH123, SIM115
    desk_page.get_by_role("button", name="Bevestigen: aan de basiseis is voldaan").click()
    desk_page.get_by_text("Het bewijs is bevestigd").wait_for()
    desk_page.goto(f"/loket/portaal/bewijs/{conduct.pk}/")
    desk_page.get_by_role("button", name="Bewijs afwijzen").click()
    desk_page.get_by_text(
        "Geef de reden, zodat de organisatie weet wat ze moet doen."
    ).first.wait_for()
    check("desk claim (errors)", desk_page)
    desk_page.get_by_label("Reden voor de organisatie").fill(
        "De gedragsregels zijn niet door het bestuur vastgesteld."
    )
    desk_page.get_by_role("button", name="Bewijs afwijzen").click()
    desk_page.get_by_text("Het bewijs is afgewezen").wait_for()
    check("desk list (decided)", desk_page)
    desk_context.close()

    vog.refresh_from_db()
    conduct.refresh_from_db()
    assert (vog.state, conduct.state) == (SafetyClaimState.CONFIRMED, SafetyClaimState.REJECTED)
    provider.refresh_from_db()
    assert provider.vog_status == SafetyStatus.MET
    assert provider.code_of_conduct_status == SafetyStatus.NOT_MET

    # The contact sees both outcomes, with the reason.
    page.get_by_role("link", name="Sociale veiligheid", exact=True).click()
    page.get_by_role("heading", name="Sociale veiligheid", exact=True).wait_for()
    vog_row = page.locator("#basic-vog").inner_text()
    assert "Voldaan" in vog_row
    assert "01-02-2026" in vog_row
    conduct_row = page.locator("#basic-code_of_conduct").inner_text()
    assert "Afgewezen" in conduct_row
    assert "niet door het bestuur vastgesteld" in conduct_row
    check("safety (decided)")
    assert not failures, "\n".join(failures)
