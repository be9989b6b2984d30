"""The web's provider import: a background job with a progress page, within the importer's
scope, and with limits checked before any parsing."""

import io
import zipfile
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from providers import importing, tasks
from providers.constants import IMPORT_MAX_BYTES, ImportJobStatus, ImportMode, ImportPhase
from providers.importing import check_upload, import_job_run, import_job_start, read_table
from providers.models import Provider, ProviderImport, ProviderImportRow
from providers.services import ProviderError
from sportloket.constants import Role
from sportloket.models import AuditEvent
from tests.conftest import wait_until
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory

from .test_import import GOOD, HEADER

pytestmark = pytest.mark.django_db

UTRECHT_ROW = "Zwemclub Oost;vereniging;33333333;Utrecht;3511 AB;;;;c@x.example;;\n"


@pytest.fixture
def utrecht_supporter(utrecht):
    desk = DeskFactory(municipalities=[utrecht])
    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="utr").user


@pytest.fixture
def both_supporter(utrecht, amsterdam):
    desk = DeskFactory(municipalities=[utrecht, amsterdam])
    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="beide").user


def upload(client, content: str | bytes, *, apply=False, name="aanbieders.csv"):
    data = content.encode() if isinstance(content, str) else content
    button = {"apply": "1"} if apply else {"check": "1"}
    return client.post(
        "/aanbieders/importeren/", {"file": SimpleUploadedFile(name, data), **button}
    )


def start(user, content: str, *, mode=ImportMode.APPLY) -> ProviderImport:
    upload = ContentFile(content.encode(), name="lijst.csv")
    return import_job_start(user=user, upload=upload, mode=mode)


def run_job(job: ProviderImport) -> None:
    """Deliver the job's task until it has nothing more to do (what the queue would do)."""
    while import_job_run(job_id=job.pk):
        pass
    job.refresh_from_db()


# --- The journey through the pages ------------------------------------------------------------


def test_dry_run_job_then_import_from_the_stored_file(
    client, both_supporter, django_capture_on_commit_callbacks
):
    client.force_login(both_supporter)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, GOOD)
    job = ProviderImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/aanbieders/import/{job.pk}/"
    assert job.file.name.startswith(f"imports/{job.pk}/")
    assert (job.mode, job.status, job.rows_total, job.rows_done) == ("check", "done", 2, 2)
    assert job.created_count == 2
    assert not Provider.objects.exists()
    assert not AuditEvent.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Proefdraai: niets opgeslagen" in page
    assert "hx-trigger" not in page  # finished: nothing to poll
    assert f"/aanbieders/import/{job.pk}/importeren/" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/aanbieders/import/{job.pk}/importeren/")
    applied = ProviderImport.objects.get(mode=ImportMode.APPLY)
    assert response["Location"] == f"/aanbieders/import/{applied.pk}/"
    assert applied.file.name == job.file.name  # no new upload
    assert applied.applied
    assert applied.created_count == 2
    assert "Import opgeslagen" in client.get(response["Location"]).content.decode()
    assert Provider.objects.count() == 2
    # The rows' data was kept for the write phase only.
    assert not ProviderImportRow.objects.exclude(data={}).exists()
    # The button pressed again starts no second import.
    response = client.post(f"/aanbieders/import/{job.pk}/importeren/")
    assert response["Location"] == f"/aanbieders/import/{applied.pk}/"
    assert ProviderImport.objects.count() == 2
    report = client.get(f"/aanbieders/import/{applied.pk}/rapport.csv")
    assert report.status_code == 200
    assert "no-store" in report["Cache-Control"].split(", ")
    text = b"".join(report.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "regel;naam;resultaat;toelichting"
    assert "2;Padel Noord;Aangemaakt;" in text


def test_import_button_with_rejected_rows_imports_nothing(
    client, pos_staff, django_capture_on_commit_callbacks
):
    client.force_login(pos_staff)
    bad = GOOD + "X;vereniging;1;Utrecht;3511 AB;;;;;;\n"
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, bad, apply=True)
    page = client.get(response["Location"]).content.decode()
    assert "Er is niets geïmporteerd" in page
    assert "precies 8 cijfers" in page
    job = ProviderImport.objects.get()
    assert (job.status, job.phase, job.rejected_count) == ("done", "check", 1)
    assert not Provider.objects.exists()


def test_dry_run_with_rejections_offers_no_import(
    client, pos_staff, django_capture_on_commit_callbacks
):
    client.force_login(pos_staff)
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, GOOD + "X;vereniging;1;Utrecht;3511 AB;;;;;;\n")
    job = ProviderImport.objects.get()
    assert f"/{job.pk}/importeren/" not in client.get(job.get_absolute_url()).content.decode()
    response = client.post(f"/aanbieders/import/{job.pk}/importeren/", follow=True)
    assert "Er is niets geïmporteerd" in response.content.decode()
    assert ProviderImport.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"%PDF-1.4", "scan.pdf", "Upload een spreadsheet"),
        (b"garbage", "lijst.xlsx", "geen geldig Excelbestand"),
        (b"x" * (IMPORT_MAX_BYTES + 1), "groot.csv", "te groot"),
        (b"naam;soort\n", "lijst.csv", "Verplichte kolommen ontbreken"),
        (b"\n\n", "lijst.csv", "leeg"),
        (b"naam;" * 100_000 + b"\n", "breed.csv", "te lang"),
    ],
)
def test_upload_page_refuses_bad_files_without_a_job(
    client, club_supporter, content, name, message
):
    client.force_login(club_supporter)
    response = upload(client, content, name=name, apply=True)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ProviderImport.objects.exists()
    assert not Provider.objects.exists()


def test_progress_page_polls_while_running_and_stops_when_done(client, pos_staff):
    client.force_login(pos_staff)
    job = start(pos_staff, GOOD)  # queued: on-commit never runs in this test
    job.refresh_from_db()
    ProviderImport.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.RUNNING, rows_total=2, rows_done=1, rejected_count=1
    )
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert 'aria-live="polite"' in page
    assert f'href="{job.get_absolute_url()}"' in page  # reload link without JavaScript
    assert "1 van 2 regels verwerkt" in page
    fragment = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    assert "<html" not in fragment.content.decode()
    assert "fouten tot nu toe: 1" in fragment.content.decode()
    ProviderImport.objects.filter(pk=job.pk).update(
        status=ImportJobStatus.QUEUED, rows_done=0, rejected_count=0
    )
    run_job(job)
    done = client.get(job.get_absolute_url(), headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling
    assert "Import opgeslagen" in done.content.decode()


# --- Scope: another municipality's providers stay out of reach (issue: tenants apart) -----


@pytest.mark.parametrize("apply", [False, True])
def test_kvk_of_another_municipality_is_refused_without_revealing_it(
    client, utrecht_supporter, amsterdam, apply, django_capture_on_commit_callbacks
):
    other = ProviderFactory(
        kvk_number="44444444",
        municipality=amsterdam,
        name="Geheim Amsterdam",
        contact_name="Anna Verborgen",
        email="anna@geheim.example",
    )
    row = "Overname;vereniging;44444444;Utrecht;3511 AB;;;;nieuw@x.example;;\n"
    client.force_login(utrecht_supporter)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, HEADER + UTRECHT_ROW + row, apply=apply)
    job = ProviderImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    report = b"".join(client.get(f"/aanbieders/import/{job.pk}/rapport.csv")).decode()
    rejected = ProviderImportRow.objects.get(job=job, outcome="rejected")
    assert rejected.line == 3
    assert "al geregistreerd bij een andere gemeente" in rejected.reason
    for text in (page, report, rejected.reason):
        for secret in ("Geheim Amsterdam", "Anna Verborgen", "anna@geheim.example", "Amsterdam"):
            assert secret not in text
    other.refresh_from_db()
    assert (other.municipality, other.name, other.email) == (
        amsterdam,
        "Geheim Amsterdam",
        "anna@geheim.example",
    )
    assert not Provider.objects.filter(kvk_number="33333333").exists()  # all or nothing


def test_rows_for_a_municipality_outside_scope_are_refused(utrecht_supporter):
    job = start(utrecht_supporter, HEADER + UTRECHT_ROW + GOOD.split("\n", 2)[2])
    run_job(job)
    rejected = ProviderImportRow.objects.get(job=job, outcome="rejected")
    assert "gemeente “Amsterdam” niet importeren" in rejected.reason
    assert job.rejected_count == 1
    assert not Provider.objects.exists()


def test_email_and_name_match_of_another_municipality_is_refused(utrecht_supporter, amsterdam):
    ProviderFactory(
        kvk_number="", name="Zwemclub Oost", email="c@x.example", municipality=amsterdam
    )
    row = "Zwemclub Oost;vereniging;;Utrecht;3511 AB;;;;c@x.example;;\n"
    job = start(utrecht_supporter, HEADER + row)
    run_job(job)
    assert "andere gemeente" in ProviderImportRow.objects.get(job=job).reason
    assert Provider.objects.count() == 1


@pytest.mark.parametrize("role", [Role.CLUB_SUPPORTER, Role.POS_STAFF, Role.ADMINISTRATOR])
def test_each_importing_role_updates_providers_in_its_scope(user_for_role, utrecht, role):
    kwargs = {"desk": DeskFactory(municipalities=[utrecht])} if role == Role.CLUB_SUPPORTER else {}
    user = user_for_role(role, **kwargs)
    ProviderFactory(kvk_number="33333333", municipality=utrecht, contact_name="Oud")
    row = "Zwemclub Oost;vereniging;33333333;Utrecht;3511 AB;;;;c@x.example;;\n"
    job = start(
        user, HEADER.replace(";vog;vcp", ";contactpersoon;vcp") + row.replace(";;\n", ";Nieuw;\n")
    )
    run_job(job)
    assert job.applied
    assert job.updated_count == 1
    assert Provider.objects.get(kvk_number="33333333").contact_name == "Nieuw"


def test_pos_staff_import_into_any_municipality(pos_staff, amsterdam):
    job = start(pos_staff, GOOD)
    run_job(job)
    assert job.applied
    assert job.municipality_ids is None
    assert Provider.objects.filter(municipality=amsterdam).count() == 1


def test_job_pages_of_another_municipality_are_404_and_policy_staff_403(
    client, utrecht_supporter, amsterdam_supporter, policy_staff, both_supporter
):
    job = start(utrecht_supporter, GOOD, mode=ImportMode.CHECK)
    import_job_run(job_id=job.pk)
    urls = [
        f"/aanbieders/import/{job.pk}/",
        f"/aanbieders/import/{job.pk}/rapport.csv",
    ]
    for user, expected in [
        (amsterdam_supporter, 404),
        (policy_staff, 403),
        (both_supporter, 200),  # a colleague whose scope covers the job's
        (utrecht_supporter, 200),
    ]:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == expected, (user, url)
    client.force_login(amsterdam_supporter)
    assert client.post(f"/aanbieders/import/{job.pk}/importeren/").status_code == 404
    assert ProviderImport.objects.count() == 1


# --- The job: idempotent, chunked, resumable ------------------------------------------------


def test_job_delivered_twice_imports_once(pos_staff):
    job = start(pos_staff, GOOD)
    assert import_job_run(job_id=job.pk) is True  # check done, write phase queued
    assert import_job_run(job_id=job.pk) is False
    snapshot = (Provider.objects.count(), AuditEvent.objects.count())
    assert import_job_run(job_id=job.pk) is False  # a second delivery finds nothing
    tasks.provider_import_run.apply(args=[str(job.pk)])
    assert (Provider.objects.count(), AuditEvent.objects.count()) == snapshot == (2, 2)
    assert ProviderImportRow.objects.filter(job=job, phase=ImportPhase.WRITE).count() == 2


def test_running_job_is_not_claimed_twice_but_a_dead_one_resumes_after_its_last_batch(
    pos_staff,
):
    job = start(pos_staff, GOOD + UTRECHT_ROW)
    assert import_job_run(job_id=job.pk) is True  # the check; the write phase is queued
    with mock.patch.object(importing, "IMPORT_BATCH_ROWS", 1):
        # One batch (line 2) is committed, then the run stops as if its worker died.
        assert import_job_run(job_id=job.pk, chunk_seconds=0) is True
        ProviderImport.objects.filter(pk=job.pk).update(status=ImportJobStatus.RUNNING)
        job.refresh_from_db()
        assert (job.rows_done, Provider.objects.count()) == (1, 1)
        # Its heartbeat is fresh: nobody else may take it over.
        assert import_job_run(job_id=job.pk) is False
        job.refresh_from_db()
        assert job.rows_done == 1
        # Silent for longer than the task time limit: the next delivery resumes it.
        ProviderImport.objects.filter(pk=job.pk).update(heartbeat_at="2020-01-01T00:00Z")
        assert import_job_run(job_id=job.pk) is False
    job.refresh_from_db()
    assert job.applied
    assert job.created_count == 3
    assert Provider.objects.count() == 3
    lines = ProviderImportRow.objects.filter(job=job, phase=ImportPhase.WRITE)
    assert sorted(lines.values_list("line", flat=True)) == [2, 3, 4]


def test_batch_of_a_run_that_lost_its_claim_is_not_saved(pos_staff):
    job = start(pos_staff, GOOD)
    import_job_run(job_id=job.pk)
    real_write = importing.Importer.write

    def taken_over(self, *args, **kwargs):
        # Another worker reclaims the job while this run applies its batch.
        ProviderImport.objects.filter(pk=job.pk).update(claim=None)
        return real_write(self, *args, **kwargs)

    with mock.patch.object(importing.Importer, "write", taken_over):
        assert import_job_run(job_id=job.pk) is False
    assert not Provider.objects.exists()
    job.refresh_from_db()
    assert job.rows_done == 0


def test_chunked_continuation_requeues_itself_until_done(
    pos_staff, django_capture_on_commit_callbacks
):
    rows = "".join(f"Club {i};vereniging;{70000000 + i};Utrecht;3511 AB;;;;;;\n" for i in range(30))
    runs = []
    real = importing.import_job_run

    def short_chunks(*, job_id):
        runs.append(job_id)
        return real(job_id=job_id, chunk_seconds=0)  # one batch per run

    with (
        mock.patch.object(importing, "IMPORT_BATCH_ROWS", 7),
        mock.patch.object(importing, "import_job_run", side_effect=short_chunks),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = start(pos_staff, HEADER + rows)
    job.refresh_from_db()
    assert job.applied
    assert job.created_count == 30
    assert Provider.objects.count() == 30
    # 5 batches of the check, 5 of the write, each its own task run (+1 phase switch run).
    assert len(runs) >= 10


def test_requeue_sweep_finds_lost_and_abandoned_jobs_only(pos_staff):
    lost = start(pos_staff, GOOD)
    fresh = start(pos_staff, GOOD)
    dead = start(pos_staff, GOOD)
    ProviderImport.objects.filter(pk=lost.pk).update(created_at="2020-01-01T00:00Z")
    ProviderImport.objects.filter(pk=dead.pk).update(
        status=ImportJobStatus.RUNNING, heartbeat_at="2020-01-01T00:00Z"
    )
    assert sorted(importing.import_jobs_requeue()) == sorted([str(lost.pk), str(dead.pk)])
    assert str(fresh.pk) not in importing.import_jobs_requeue()


def test_file_refused_by_the_job_fails_it_with_the_message(pos_staff):
    long_cell = "x" * 1001
    job = start(pos_staff, HEADER + f"{long_cell};vereniging;;Utrecht;;;;;;;\n")
    run_job(job)
    assert job.status == ImportJobStatus.FAILED
    assert "langer is dan 1000 tekens" in job.error
    assert not Provider.objects.exists()


# --- Limits before parsing ------------------------------------------------------------------


def test_csv_with_a_million_columns_is_refused_at_the_first_line():
    content = b"a;" * 1_000_000 + b"\nnaam;soort;gemeente\n"
    assert len(content) < IMPORT_MAX_BYTES
    with pytest.raises(ProviderError, match="Regel 1 is te lang"):
        read_table(content, "breed.csv")
    with pytest.raises(ProviderError, match="Regel 1 is te lang"):
        check_upload(content, "breed.csv")


def test_csv_refuses_more_columns_and_longer_cells_than_allowed():
    with pytest.raises(ProviderError, match="te veel kolommen"):
        read_table((";".join(["naam"] * 51) + "\n").encode(), "a.csv")
    with pytest.raises(ProviderError, match="langer is dan 1000 tekens"):
        read_table(("naam;soort;gemeente\n" + "y" * 1001 + ";club;Utrecht\n").encode(), "a.csv")
    assert read_table(("naam;" * 49 + "naam\n").encode(), "a.csv")  # 50 columns are fine


def test_csv_rows_beyond_the_limit_are_refused():
    content = (HEADER + "a;b;c\n" * 20_001).encode()
    with pytest.raises(ProviderError, match="te veel rijen"):
        read_table(content, "a.csv")


def _xlsx_with_member(name: str, data: bytes, repeat: int = 1) -> bytes:
    """A real workbook with one member replaced by ``data`` repeated (deflated, streamed)."""
    workbook = Workbook()
    workbook.active.append(["Naam", "Soort", "Gemeente"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item.filename))
        with target.open(name, "w") as member:
            for _ in range(repeat):
                member.write(data)
    return out.getvalue()


def test_xlsx_zip_bomb_is_refused_before_openpyxl_opens_it():
    # 100 MB of shared strings in well under 1 MB of zip.
    bomb = _xlsx_with_member("xl/sharedStrings.xml", b"A" * 2**20, repeat=100)
    assert len(bomb) < 2 * 2**20
    with mock.patch("openpyxl.load_workbook") as load:
        with pytest.raises(ProviderError, match="te veel gegevens"):
            read_table(bomb, "bom.xlsx")
        with pytest.raises(ProviderError, match="te veel gegevens"):
            check_upload(bomb, "bom.xlsx")
    load.assert_not_called()


def test_xlsx_with_a_forged_directory_is_refused_by_the_real_size():
    bomb = bytearray(_xlsx_with_member("xl/sharedStrings.xml", b"B" * 2**20, repeat=30))
    # Make the central directory claim a tiny uncompressed size for the member.
    directory = bomb.rfind(b"PK\x01\x02", 0, bomb.rfind(b"xl/sharedStrings.xml") + 1)
    bomb[directory + 24 : directory + 28] = (1000).to_bytes(4, "little")
    with pytest.raises(ProviderError, match="te veel gegevens|geen geldig Excelbestand"):
        read_table(bytes(bomb), "bom.xlsx")


def test_xlsx_with_a_compression_method_zipfile_cannot_read_is_refused_as_not_an_xlsx():
    """zipfile refuses an unknown compression method (or encryption) with its "not implemented"
    error: the upload is refused with the Dutch message, never a server error."""
    workbook = bytearray(_xlsx_with_member("xl/sharedStrings.xml", b"C" * 1000))
    name = b"xl/sharedStrings.xml"
    local = workbook.rfind(b"PK\x03\x04", 0, workbook.find(name) + 1)
    directory = workbook.rfind(b"PK\x01\x02", 0, workbook.rfind(name) + 1)
    unknown_method = (99).to_bytes(2, "little")
    workbook[local + 8 : local + 10] = unknown_method
    workbook[directory + 10 : directory + 12] = unknown_method
    with pytest.raises(ProviderError, match="geen geldig Excelbestand"):
        read_table(bytes(workbook), "lijst.xlsx")


def test_xlsx_row_with_too_many_cells_is_refused_while_streaming():
    cells = "".join('<c r="A1" t="inlineStr"><is><t>x</t></is></c>' for _ in range(500))
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData><row r="1">{cells}</row></sheetData></worksheet>'
    ).encode()
    wide = _xlsx_with_member("xl/worksheets/sheet1.xml", sheet)
    with mock.patch("openpyxl.load_workbook") as load:
        with pytest.raises(ProviderError, match="te veel kolommen"):
            read_table(wide, "breed.xlsx")
    load.assert_not_called()


# --- A real worker on Redis -------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
def test_real_worker_runs_the_import_job(celery_workers, pos_staff):
    queue = celery_workers(1)
    run = tasks.provider_import_run

    def to_test_queue(*args):
        return run.apply_async(args, queue=queue)

    with mock.patch.object(run, "delay", side_effect=to_test_queue):
        job = start(pos_staff, GOOD)
    job = wait_until(
        lambda: ProviderImport.objects.filter(pk=job.pk, status=ImportJobStatus.DONE).first(),
        timeout=120,
    )
    assert job.applied
    assert job.created_count == 2
    assert Provider.objects.count() == 2
    assert job.report.read().decode("utf-8-sig").startswith("regel;naam")


def test_values_kept_between_check_and_write_arrive_unchanged(pos_staff, utrecht):
    """Phone numbers, dates, numbers and links survive the check's storage of the row."""
    content = (
        "naam;soort;kvk;gemeente;telefoon;vog;vog_date;deelnemers;sporten;doelgroepen\n"
        "Zwemclub Oost;vereniging;33333333;GM0344;06 12345678;voldaan;2026-03-01;120;"
        "Zwemmen, Padel;Jeugd\n"
    )
    job = start(pos_staff, content)
    run_job(job)
    assert job.applied
    provider = Provider.objects.get(kvk_number="33333333")
    assert provider.municipality == utrecht
    assert provider.phone.as_e164 == "+31612345678"
    assert str(provider.vog_date) == "2026-03-01"
    assert provider.participants == 120
    assert sorted(provider.sports.values_list("slug", flat=True)) == ["padel", "zwemmen"]
    assert list(provider.target_groups.values_list("slug", flat=True)) == ["jeugd"]
    # Imported again: nothing changes, so nothing is written.
    again = start(pos_staff, content)
    run_job(again)
    assert (again.unchanged_count, again.updated_count) == (1, 0)
