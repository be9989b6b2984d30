"""The desk's full path in real Chromium: question → triage → handover → acknowledgement →
the requester follows it through the private link."""

import pytest

from meetings.models import SupportRequest
from sportloket.models import OutgoingEmail

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_question_is_triaged_handed_over_acknowledged_and_followed(
    page, login, desk, supporter, partner, partner_org
):
    page.goto("/hulpvraag/")
    page.get_by_label("Naam van uw vereniging of onderneming").fill("Tennisclub De Lob")
    page.get_by_label("Gemeente").select_option(label="Utrecht")
    page.get_by_label("Uw naam").fill("Kim de Boer")
    page.get_by_label("Uw e-mailadres").fill("kim@delob.example")
    page.get_by_label("Onderwerp").fill("Vrijwilligers gezocht")
    page.get_by_role("textbox", name="Uw vraag").fill("Wie helpt ons met vrijwilligersbeleid?")
    page.get_by_label("Ik ga ermee akkoord", exact=False).check()
    page.get_by_role("button", name="Vraag versturen").click()
    page.get_by_role("heading", name="Bedankt, we hebben uw vraag ontvangen").wait_for()
    request = SupportRequest.objects.get()
    assert OutgoingEmail.objects.filter(body__contains=request.public_token).exists()

    login("sanne")
    page.goto("/loket/hulpvragen/")
    page.get_by_role("link", name="Vrijwilligers gezocht").click()
    page.get_by_role("button", name="Aan mij toewijzen").click()
    page.get_by_text("Opgeslagen.").wait_for()
    page.get_by_label("Overdragen aan").select_option(label=partner_org.name)
    page.get_by_label("Notitie voor de ontvangende organisatie").fill(
        "Club wil starten met vrijwilligersbeleid; graag bellen."
    )
    page.get_by_role("button", name="Overdragen", exact=True).click()
    page.get_by_text("Opgeslagen.").wait_for()
    assert "Overgedragen" in page.locator("#request-status").inner_text()
    page.get_by_role("button", name="Uitloggen").click()

    login("femke")
    page.goto("/loket/overdrachten/")
    assert "graag bellen" in page.locator("main").inner_text()
    page.get_by_label("Wie gaat helpen").fill("Femke van Welzijn West")
    page.get_by_role("button", name="Accepteren").click()
    page.get_by_text("Overdracht geaccepteerd").wait_for()
    page.get_by_role("button", name="Uitloggen").click()

    page.goto(request.get_public_url())
    assert page.locator("#public-status").inner_text() == "Overgedragen"
    text = page.locator("main").inner_text()
    assert "Welzijn West gaat u helpen" in text
    assert "Femke van Welzijn West" in text
    assert "graag bellen" not in text


def test_a_refusal_on_the_board_shows_in_the_row_htmx_swapped_in(page, login, desk, supporter):
    """htmx does not swap a 4xx answer by default: base.html lets it swap the 400 fragment, so
    the desk sees why "assign to me" did nothing, in the row, announced, without a reload."""
    from meetings.support import services
    from meetings.support.constants import Channel
    from tests.factories import ProviderFactory
    from tests.hardening.test_accessibility import serious_violations

    question = services.support_request_create(
        desk=desk,
        provider=ProviderFactory(),
        subject="Kantine-uren",
        question="Hoe roosteren we de kantine?",
        channel=Channel.PHONE,
    )
    login("sanne")
    page.goto("/loket/hulpvragen/")
    row = page.locator(f"#row-{question.pk}")
    row.get_by_role("button", name="Aan mij toewijzen").wait_for()
    # Meanwhile a colleague closes the question.
    services.support_request_transition(request=question, to="rejected", by=supporter)
    row.get_by_role("button", name="Aan mij toewijzen").click()
    alert = page.locator(f"#row-{question.pk} [role=alert]")
    alert.wait_for()
    assert alert.inner_text() == "Een afgesloten vraag kan niet worden toegewezen."
    assert page.url.endswith("/loket/hulpvragen/")
    assert serious_violations(page) == []
    question.refresh_from_db()
    assert question.assignee is None


def test_the_board_filters_new_information_only_in_place(page, login, desk, supporter):
    """The club supporter picks "Alleen nieuwe informatie": the table shows the questions the
    requester added to, each with its mark, the address says so (a link to share), axe clean."""
    from meetings.support import services
    from meetings.support.constants import Channel
    from tests.factories import ProviderFactory
    from tests.hardening.test_accessibility import serious_violations

    def ask(subject):
        return services.support_request_create(
            desk=desk,
            provider=ProviderFactory(),
            subject=subject,
            question="Vraag",
            channel=Channel.PHONE,
        )

    quiet = ask("Niets nieuws")
    told = ask("Aangevuld door de aanvrager")
    services.support_request_provider_message(request=told, text="Ons KvK-nummer is 12345678.")
    login("sanne")
    page.goto("/loket/hulpvragen/")
    page.locator(f"#row-{quiet.pk}").wait_for()
    with page.expect_response("**/loket/hulpvragen/?*new_info=true*"):
        page.get_by_label("Alleen nieuwe informatie").select_option(label="Ja")
    page.locator(f"#row-{quiet.pk}").wait_for(state="detached")
    row = page.locator(f"#row-{told.pk}")
    assert "nieuwe informatie" in row.inner_text()
    assert "new_info=true" in page.url
    assert serious_violations(page) == []
