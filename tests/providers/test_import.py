import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from providers.constants import IMPORT_MAX_BYTES, ProviderSource, SafetyStatus
from providers.importing import import_file
from providers.models import Provider
from sportloket.models import AuditEvent
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory

pytestmark = pytest.mark.django_db

HEADER = "naam;soort;kvk;gemeente;postcode;plaats;sporten;doelgroepen;e-mail;vog;vcp\n"
GOOD = (
    HEADER
    + "Padel Noord;ondernemer;11111111;Utrecht;3511 AB;Utrecht;Padel, Tennis;Jeugd;"
    + "a@x.example;voldaan;mee bezig\n"
    + "VV De Bal;vereniging;22222222;GM0363;1011AB;Amsterdam;voetbal;;b@x.example;;\n"
)


def run(content: str | bytes, *, dry_run=False, name="aanbieders.csv", actor=None):
    data = content.encode() if isinstance(content, str) else content
    return import_file(file=io.BytesIO(data), filename=name, actor=actor, dry_run=dry_run)


def test_dry_run_reports_per_row_and_saves_nothing():
    report = run(GOOD, dry_run=True)
    assert [row.outcome for row in report.rows] == ["created", "created"]
    assert not report.applied
    assert not Provider.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.fixture
def supporter_of_both(utrecht, amsterdam):
    """A club supporter whose desk serves the two municipalities of GOOD."""
    desk = DeskFactory(municipalities=[utrecht, amsterdam])
    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="beide").user


def test_import_creates_then_is_idempotent_on_kvk(supporter_of_both):
    club_supporter = supporter_of_both
    report = run(GOOD, actor=club_supporter)
    assert report.applied
    padel = Provider.objects.get(kvk_number="11111111")
    assert padel.source == ProviderSource.IMPORT
    assert padel.vog_status == SafetyStatus.MET
    assert padel.vcp_status == SafetyStatus.IN_PROGRESS
    assert sorted(padel.sports.values_list("slug", flat=True)) == ["padel", "tennis"]
    assert Provider.objects.get(kvk_number="22222222").municipality.name == "Amsterdam"
    again = run(GOOD, actor=club_supporter)
    assert [row.outcome for row in again.rows] == ["unchanged", "unchanged"]
    assert Provider.objects.count() == 2
    changed = run(GOOD.replace("Padel Noord", "Padel Noord BV"), actor=club_supporter)
    assert [row.outcome for row in changed.rows] == ["updated", "unchanged"]
    assert changed.rows[0].changes["name"] == ["Padel Noord", "Padel Noord BV"]
    assert Provider.objects.count() == 2


def test_import_keeps_staff_data_for_empty_cells():
    ProviderFactory(kvk_number="22222222", name="VV De Bal", contact_name="Staff knows")
    run(GOOD)
    assert Provider.objects.get(kvk_number="22222222").contact_name == "Staff knows"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("Club;vereniging;123;Utrecht;3511 AB;;;;;;", "precies 8 cijfers"),
        (";vereniging;33333333;Utrecht;3511 AB;;;;;;", "verplicht"),
        ("Club;vereniging;33333333;Atlantis;3511 AB;;;;;;", "Onbekende gemeente"),
        ("Club;vereniging;33333333;Utrecht;999;;;;;;", "postcode"),
        ("Club;alien;33333333;Utrecht;3511 AB;;;;;;", "geldige keuze"),
        ("Club;vereniging;33333333;Utrecht;3511 AB;;curling;;;;", "Onbekende waarde"),
        ("Club;vereniging;33333333;Utrecht;3511 AB;;;;geen-mail;;", "e-mailadres"),
        ("Club;vereniging;33333333;Utrecht;3511 AB;;;;;misschien;", "geldige keuze"),
        ("<script>;vereniging;33333333;Utrecht;3511 AB;;;;;;", "Gebruik geen"),
        ("Padel Twee;ondernemer;11111111;Utrecht;3511 AB;;;;;;", "regel 2"),
    ],
)
def test_one_bad_row_rejects_with_reason_and_nothing_is_imported(row, reason):
    report = run(GOOD + row + "\n")
    rejected = [r for r in report.rows if r.outcome == "rejected"]
    assert len(rejected) == 1
    assert rejected[0].line == 4
    assert reason in rejected[0].reason
    assert not report.applied
    assert not Provider.objects.exists()


def test_xlsx_import():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Naam", "Soort", "KvK", "Gemeente", "Postcode", "Deelnemers"])
    sheet.append(["Zwemclub", "vereniging", 44444444, "Utrecht", "3511 AB", 120])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = run(buffer.getvalue(), name="lijst.xlsx")
    assert report.applied
    provider = Provider.objects.get(kvk_number="44444444")
    assert provider.participants == 120


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"PK\x03\x04 not really a zip", "lijst.xlsx", "geen geldig Excelbestand"),
        (b"\x00\x01\x02binary", "lijst.csv", "geen CSV-tekstbestand"),
        (b"naam;soort\n", "lijst.csv", "Verplichte kolommen ontbreken"),
        (b"", "lijst.csv", "leeg"),
        (b"a,b", "lijst.pdf", "Upload een spreadsheet"),
        (b"x" * (IMPORT_MAX_BYTES + 1), "lijst.csv", "te groot"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_message(content, name, message):
    from providers.services import ProviderError

    with pytest.raises(ProviderError, match=message):
        run(content, name=name)
    assert not Provider.objects.exists()


def test_management_command(tmp_path, capsys):
    path = tmp_path / "aanbieders.csv"
    path.write_text(GOOD, encoding="utf-8")
    call_command("import_providers", str(path), "--dry-run")
    assert not Provider.objects.exists()
    call_command("import_providers", str(path))
    assert Provider.objects.count() == 2
    path.write_text(GOOD + "X;vereniging;1;Utrecht;3511 AB;;;;;;\n", encoding="utf-8")
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_providers", str(path))
    with pytest.raises(CommandError, match="not found"):
        call_command("import_providers", str(tmp_path / "missing.csv"))
