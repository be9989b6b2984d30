"""The portal's social-safety basics and matching schemes.

Seed 003: "Van de sportaanbieders wordt verwacht dat zij zich bewust zijn van het voorkomen van
grensoverschrijdend gedrag, en dat zij (gaan) voldoen aan de basiseisen." A provider's contact
sends evidence (a file and/or a date) "to be checked"; the desk of the provider's area confirms
it (the basic becomes met) or rejects it with a reason the contact reads in the portal and by
e-mail. Evidence is only ever served through permission-checked views."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from PIL import Image

from meetings.models import PortalContact, SafetyClaim
from meetings.portal import services
from meetings.portal.constants import EVIDENCE_MAX_BYTES, SafetyClaimState
from providers.constants import SafetyStatus
from providers.models import Provider
from sportloket.models import AuditEvent, OutgoingEmail
from sportloket.retention import retention_sweep
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory, municipality
from tests.meetings.test_portal import mails_to, sign_in
from tests.subsidies.factories import SchemeFactory, target_group

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def image_bytes(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (20, 10), "white").save(out, fmt)
    return out.getvalue()


def upload(name: str = "vog.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def desk(db):
    return DeskFactory(name="Loket Utrecht")


@pytest.fixture
def provider(desk):
    return ProviderFactory(name="Tennisclub De Lob", email="kim@delob.example")


@pytest.fixture
def supporter(desk):
    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="sanne").user


@pytest.fixture
def portal(client, provider):
    sign_in(client, "kim@delob.example")
    return client


@pytest.fixture
def desk_client(supporter):
    desk_client = Client()
    desk_client.force_login(supporter)
    return desk_client


def submit(client, basic="vog", **data):
    return client.post(f"/portaal/veiligheid/{basic}/", data)


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# --- The contact sends evidence ----------


def test_the_page_shows_each_basic_with_its_confirmed_status(portal, provider):
    Provider.objects.filter(pk=provider.pk).update(
        vcp_status=SafetyStatus.MET, vcp_date=dt.date(2026, 3, 1)
    )
    page = portal.get("/portaal/veiligheid/").content.decode()
    for label in (
        "Verklaring Omtrent het Gedrag (VOG)",
        "Vertrouwenscontactpersoon (VCP)",
        "Gedragsregels",
        "E-learning",
    ):
        assert label.split(" (")[0].lower() in page.lower(), label
    assert "01-03-2026" in page


def test_a_contact_sends_a_file_and_a_date_to_be_checked(portal, provider, media):
    response = submit(portal, date="2026-02-01", evidence=upload())
    assert response.status_code == 302
    claim = SafetyClaim.objects.get()
    assert claim.provider == provider
    assert claim.basic == "vog"
    assert claim.state == SafetyClaimState.PENDING
    assert claim.date == dt.date(2026, 2, 1)
    assert claim.file_name == "vog.pdf"
    assert claim.content_type == "application/pdf"
    assert claim.submitted_by == PortalContact.objects.get(provider=provider)
    # The user's file name does not reach the storage key.
    assert claim.file.name.startswith(f"safety-evidence/{provider.pk}/")
    assert "vog" not in Path(claim.file.name).name
    assert default_storage.open(claim.file.name).read() == PDF
    # The provider's own status changes only when the desk confirms.
    provider.refresh_from_db()
    assert provider.vog_status == SafetyStatus.NOT_MET
    page = portal.get("/portaal/veiligheid/").content.decode()
    assert "Te controleren" in page
    assert AuditEvent.objects.filter(action="portal.safety_claim").exists()


@pytest.mark.parametrize(("name", "fmt"), [("vog.png", "PNG"), ("foto.JPG", "JPEG")])
def test_an_image_is_accepted_by_its_content(portal, name, fmt):
    response = submit(portal, basic="code_of_conduct", evidence=upload(name, image_bytes(fmt)))
    assert response.status_code == 302
    claim = SafetyClaim.objects.get()
    assert claim.content_type == f"image/{fmt.lower()}"


def test_a_date_alone_is_enough(portal):
    assert submit(portal, basic="elearning", date="2026-01-15").status_code == 302
    claim = SafetyClaim.objects.get()
    assert not claim.file
    assert claim.date == dt.date(2026, 1, 15)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Upload bewijs of geef een datum"),
        ({"date": "2999-01-01"}, "De datum kan niet in de toekomst liggen."),
        ({"evidence": ("virus.exe", b"MZ\x90\x00")}, "Upload een PDF-, PNG- of JPEG-bestand."),
        ({"evidence": ("vog.pdf", b"MZ\x90\x00")}, "Upload een PDF-, PNG- of JPEG-bestand."),
        ({"evidence": ("vog.png", PDF)}, "Upload een PDF-, PNG- of JPEG-bestand."),
        (
            {"evidence": ("vog.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)},
            "Upload een PDF-, PNG- of JPEG-bestand.",
        ),
        (
            {"evidence": ("vog.pdf", PDF + b"0" * EVIDENCE_MAX_BYTES)},
            "Het bestand is te groot (maximaal 5 MB).",
        ),
    ],
    ids=["nothing", "future", "exe", "renamed-exe", "pdf-as-png", "broken-png", "too-big"],
)
def test_a_bad_submission_is_refused_in_dutch_and_nothing_is_stored(portal, media, data, message):
    if "evidence" in data:
        data = {**data, "evidence": upload(*data["evidence"])}
    response = submit(portal, **data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not SafetyClaim.objects.exists()
    assert stored_files(media) == []


def test_an_unknown_basic_is_404(portal):
    assert portal.get("/portaal/veiligheid/zwemdiploma/").status_code == 404


def test_a_second_claim_while_one_waits_is_refused_and_its_file_not_kept(portal, media):
    """One claim per basic waits at a time: the desk never decides on evidence that changes
    under it. The refused file does not stay in the storage."""
    assert submit(portal, evidence=upload()).status_code == 302
    response = submit(portal, evidence=upload("nieuw.pdf"))
    assert response.status_code == 400
    assert "wacht al op de controle" in response.content.decode()
    assert SafetyClaim.objects.count() == 1
    assert len(stored_files(media)) == 1
    # Another basic is free.
    assert submit(portal, basic="vcp", date="2026-01-01").status_code == 302


def test_a_failing_save_deletes_the_stored_file(contact_world, media, monkeypatch):
    """Nothing half-saved: when the row cannot be written, the file written just before it
    is deleted again."""
    contact = contact_world

    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.portal_safety_claim_submit(
            contact=contact,
            basic="vog",
            date=None,
            upload=upload(),
            content_type="application/pdf",
        )
    assert not SafetyClaim.objects.exists()
    assert stored_files(media) == []


@pytest.fixture
def contact_world(provider):
    return PortalContact.objects.create(provider=provider, email=provider.email)


def test_own_evidence_downloads_and_another_organisations_is_404(portal, provider, desk):
    submit(portal, evidence=upload())
    mine = SafetyClaim.objects.get()
    other = ProviderFactory(name="Zwemclub")
    theirs = services.portal_safety_claim_submit(
        contact=PortalContact.objects.create(provider=other, email="z@example.org"),
        basic="vog",
        date=None,
        upload=upload(),
        content_type="application/pdf",
    )
    response = portal.get(f"/portaal/veiligheid/bewijs/{mine.pk}/bestand/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    assert portal.get(f"/portaal/veiligheid/bewijs/{theirs.pk}/bestand/").status_code == 404
    # No public URL: the media folder is not served.
    assert portal.get("/media/" + mine.file.name).status_code == 404


# --- The desk checks ----------


def test_the_desk_confirms_and_the_basic_becomes_met_audited(portal, provider, desk_client):
    submit(portal, date="2026-02-01", evidence=upload())
    claim = SafetyClaim.objects.get()
    page = desk_client.get("/loket/portaal/bewijs/").content.decode()
    assert "Tennisclub De Lob" in page
    assert desk_client.get(f"/loket/portaal/bewijs/{claim.pk}/").status_code == 200
    download = desk_client.get(f"/loket/portaal/bewijs/{claim.pk}/bestand/")
    assert b"".join(download.streaming_content) == PDF
    response = desk_client.post(f"/loket/portaal/bewijs/{claim.pk}/bevestigen/")
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == SafetyClaimState.CONFIRMED
    assert claim.decided_by.username == "sanne"
    provider.refresh_from_db()
    assert provider.vog_status == SafetyStatus.MET
    assert provider.vog_date == dt.date(2026, 2, 1)
    event = AuditEvent.objects.get(action="portal.safety_confirm")
    assert event.actor.username == "sanne"
    assert event.changes["vog_status"][1] == str(SafetyStatus.MET.label) or event.changes
    assert mails_to("kim@delob.example")[-1].key == f"portal-safety-claim:{claim.pk}:confirmed"
    assert "Bevestigd" in portal.get("/portaal/veiligheid/").content.decode()


def test_the_review_page_shows_what_is_recorded_now_for_the_claimed_basic(
    portal, provider, desk_client
):
    """The row "Nu geregistreerd" holds the provider's current status and date of the basic
    the evidence is for, not of another basic."""
    Provider.objects.filter(pk=provider.pk).update(
        vog_status=SafetyStatus.IN_PROGRESS,
        vog_date=dt.date(2025, 1, 15),
        vcp_status=SafetyStatus.MET,
        vcp_date=dt.date(2026, 3, 1),
    )
    submit(portal, basic="vcp", evidence=upload())
    claim = SafetyClaim.objects.get()
    page = desk_client.get(f"/loket/portaal/bewijs/{claim.pk}/").content.decode()
    recorded = re.search(r"Nu geregistreerd</dt><dd[^>]*>([^<]*)</dd>", page)[1]
    assert recorded == "Voldaan (01-03-2026)"


def test_without_a_date_a_confirmed_basic_is_dated_today(portal, provider, desk_client):
    submit(portal, basic="vcp", evidence=upload())
    claim = SafetyClaim.objects.get()
    desk_client.post(f"/loket/portaal/bewijs/{claim.pk}/bevestigen/")
    provider.refresh_from_db()
    assert provider.vcp_status == SafetyStatus.MET
    assert provider.vcp_date == timezone.localdate()


def test_a_rejection_needs_a_reason_which_the_contact_reads(portal, provider, desk_client):
    submit(portal, evidence=upload())
    claim = SafetyClaim.objects.get()
    response = desk_client.post(f"/loket/portaal/bewijs/{claim.pk}/", {"reason": "  "})
    assert response.status_code == 400
    assert "Geef de reden" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == SafetyClaimState.PENDING
    response = desk_client.post(
        f"/loket/portaal/bewijs/{claim.pk}/", {"reason": "De VOG is ouder dan drie jaar."}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == SafetyClaimState.REJECTED
    provider.refresh_from_db()
    assert provider.vog_status == SafetyStatus.NOT_MET
    page = portal.get("/portaal/veiligheid/").content.decode()
    assert "De VOG is ouder dan drie jaar." in page
    assert "Afgewezen" in page
    (mail,) = [m for m in mails_to("kim@delob.example") if m.key.startswith("portal-safety")]
    assert "De VOG is ouder dan drie jaar." in mail.body
    assert "/portaal/veiligheid/" in mail.body
    # After a rejection, new evidence can be sent.
    assert submit(portal, evidence=upload()).status_code == 302


def test_a_decided_claim_cannot_be_decided_again(portal, desk_client, supporter):
    submit(portal, evidence=upload())
    claim = SafetyClaim.objects.get()
    desk_client.post(f"/loket/portaal/bewijs/{claim.pk}/bevestigen/")
    response = desk_client.post(f"/loket/portaal/bewijs/{claim.pk}/", {"reason": "Toch niet"})
    assert response.status_code == 400
    assert "al gecontroleerd" in response.content.decode()
    response = desk_client.post(f"/loket/portaal/bewijs/{claim.pk}/bevestigen/", follow=True)
    assert "al gecontroleerd" in response.content.decode()
    claim.refresh_from_db()
    assert claim.state == SafetyClaimState.CONFIRMED
    assert claim.reason == ""
    assert AuditEvent.objects.filter(action="portal.safety_claim_confirm").count() == 1


def test_another_desks_reviewer_gets_404(portal, desk_client):
    submit(portal, evidence=upload())
    claim = SafetyClaim.objects.get()
    amsterdam = DeskFactory(municipalities=[municipality("GM0363")])
    other = Client()
    other.force_login(
        StaffProfileFactory(club_supporter=True, desk=amsterdam, user__username="amsterdam").user
    )
    assert "Tennisclub" not in other.get("/loket/portaal/bewijs/").content.decode()
    for url in ("", "bestand/"):
        assert other.get(f"/loket/portaal/bewijs/{claim.pk}/{url}").status_code == 404
    assert other.post(f"/loket/portaal/bewijs/{claim.pk}/bevestigen/").status_code == 404
    assert other.post(f"/loket/portaal/bewijs/{claim.pk}/", {"reason": "Nee"}).status_code == 404
    claim.refresh_from_db()
    assert claim.state == SafetyClaimState.PENDING


def test_the_service_refuses_a_reviewer_outside_the_desk(portal):
    submit(portal, evidence=upload())
    claim = SafetyClaim.objects.get()
    pos = StaffProfileFactory(pos_staff=True, user__username="pos").user
    with pytest.raises(services.PortalError):
        services.safety_claim_confirm(claim=claim, by=pos)
    claim.refresh_from_db()
    assert claim.state == SafetyClaimState.PENDING


def test_the_review_list_runs_constant_queries_as_claims_grow(desk, desk_client, supporter):
    def add(n: int) -> None:
        for i in range(n):
            provider = ProviderFactory(name=f"Club {i}")
            contact = PortalContact.objects.create(provider=provider, email=f"c{i}@example.org")
            claim = services.portal_safety_claim_submit(
                contact=contact, basic="vog", date=dt.date(2026, 1, 1), upload=None
            )
            if i % 2:
                services.safety_claim_reject(claim=claim, by=supporter, reason="Onleesbaar")

    add(2)
    desk_client.get("/loket/portaal/bewijs/")
    with CaptureQueriesContext(connection) as few:
        assert desk_client.get("/loket/portaal/bewijs/").status_code == 200
    add(12)
    with CaptureQueriesContext(connection) as many:
        page = desk_client.get("/loket/portaal/bewijs/").content.decode()
    assert page.count("Club ") >= 14
    assert len(many) == len(few)


def test_the_desk_finds_the_page_in_its_menu_with_the_count_on_its_start_page(portal, desk_client):
    submit(portal, evidence=upload())
    submit(portal, basic="vcp", date="2026-01-01")
    assert 'href="/loket/portaal/bewijs/"' in desk_client.get("/loket/hulpvragen/").content.decode()
    home = desk_client.get("/").content.decode()
    assert "Bewijs sociale veiligheid te controleren: 2" in home


# --- Export, erasure, retention ----------


def test_the_export_holds_the_claims(portal, desk_client):
    submit(portal, date="2026-02-01", evidence=upload())
    claim = SafetyClaim.objects.get()
    desk_client.post(f"/loket/portaal/bewijs/{claim.pk}/", {"reason": "Onleesbaar"})
    data = json.loads(portal.post("/portaal/gegevens/export/").content)
    (entry,) = data["social_safety_evidence"]
    assert entry["file_name"] == "vog.pdf"
    assert entry["date"] == "2026-02-01"
    assert entry["reason"] == "Onleesbaar"
    assert entry["submitted_by"] == "kim@delob.example"


def test_erasure_in_the_portal_deletes_the_claims_and_their_files(
    portal, provider, media, django_capture_on_commit_callbacks
):
    submit(portal, evidence=upload())
    assert len(stored_files(media)) == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = portal.post("/portaal/gegevens/", {"confirm": "on"})
    assert response.status_code == 302
    assert not SafetyClaim.objects.exists()
    assert stored_files(media) == []


def test_claims_of_a_provider_erased_by_the_desk_go_with_the_sweep(portal, provider, media):
    from providers.services import provider_erase_personal_data  # noqa: PLC0415

    submit(portal, evidence=upload())
    provider_erase_personal_data(provider=provider, actor=None)
    retention_sweep()
    assert not SafetyClaim.objects.exists()
    assert stored_files(media) == []


def test_checked_claims_and_files_go_after_their_period_pending_ones_stay(
    portal, desk_client, media, settings
):
    submit(portal, evidence=upload())
    submit(portal, basic="vcp", evidence=upload())
    checked = SafetyClaim.objects.get(basic="vog")
    desk_client.post(f"/loket/portaal/bewijs/{checked.pk}/bevestigen/")
    later = timezone.now() + dt.timedelta(days=settings.SPORTLOKET_RETENTION_DAYS["safety_claims"])
    retention_sweep(now=later + dt.timedelta(days=1))
    assert list(SafetyClaim.objects.values_list("basic", flat=True)) == ["vcp"]
    assert len(stored_files(media)) == 1


# --- Matching schemes ----------


def test_the_portal_shows_the_open_schemes_that_fit_with_the_reasons(client, desk):
    ProviderFactory(
        name="Tennisclub De Lob",
        email="kim@delob.example",
        kind="club",
        target_groups=[target_group("jeugd")],
    )
    SchemeFactory(name="Jeugdfonds Sport", target_groups=["jeugd"])
    SchemeFactory(name="Alleen ondernemers", for_clubs=False)
    SchemeFactory(name="Gesloten fonds", closes_on=dt.date(2020, 1, 1))
    sign_in(client, "kim@delob.example")
    page = client.get("/portaal/regelingen/").content.decode()
    assert "Jeugdfonds Sport" in page
    assert "Doelgroepen: Jeugd" in page
    assert "Open voor: Club (vereniging)" in page or "Open voor:" in page
    assert "Alleen ondernemers" not in page
    assert "Gesloten fonds" not in page


def test_portal_pages_need_a_portal_session(client, provider):
    for url in ("/portaal/veiligheid/", "/portaal/veiligheid/vog/", "/portaal/regelingen/"):
        assert client.get(url).status_code == 302
    assert not OutgoingEmail.objects.exists()


def test_the_database_holds_one_pending_claim_per_basic_and_a_reason_for_a_rejection(provider):
    """The invariants hold even for writes that skip the service (two submissions at once)."""
    from django.db import IntegrityError, transaction  # noqa: PLC0415

    SafetyClaim.objects.create(provider=provider, basic="vog", date=dt.date(2026, 1, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyClaim.objects.create(provider=provider, basic="vog", date=dt.date(2026, 1, 2))
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyClaim.objects.create(
            provider=provider,
            basic="vcp",
            date=dt.date(2026, 1, 1),
            state=SafetyClaimState.REJECTED,
            decided_at=timezone.now(),
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyClaim.objects.create(provider=provider, basic="elearning")
