"""Files go through Django's storage API: with the S3 settings they land in the bucket (a real S3
API server, moto's server mode), and the app serves them through its own permission-checked
view; the bucket never hands out a public URL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.urls import reverse
from pypdf import PdfReader
from storages.backends.s3 import S3Storage

from poskantoor import services, tasks
from poskantoor.models import YearPlan
from tests.poskantoor.factories import make_office

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent

DATA = {
    "short_term_goals": "Drie bijeenkomsten organiseren",
    "long_term_vision": "Een gedeelde opslag voor alle machines",
    "stakeholder_analysis": "Gemeente, sportbedrijf",
    "cooperation_agreements": "Elk kwartaal overleg",
    "target_groups_note": "",
    "budget_lines": [],
}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_year_plan_pdf_is_stored_in_the_bucket_and_downloads_through_the_view(
    s3_storage, policy_staff, client
):
    assert isinstance(storages["default"], S3Storage)
    office = make_office()
    plan = services.year_plan_save(office=office, year=2026, data=DATA, by=policy_staff)
    assert tasks.year_plan_render(plan.pk) is True
    plan.refresh_from_db()

    keys = s3_storage.keys()
    assert keys == [plan.pdf.name]
    assert keys[0].startswith("year-plans/jaarplan-")
    stored = s3_storage.read(keys[0])
    assert stored.startswith(b"%PDF")
    acl = s3_storage.client.get_object_acl(Bucket=s3_storage.bucket, Key=keys[0])
    assert not [g for g in acl["Grants"] if "AllUsers" in str(g.get("Grantee", {}))]

    client.force_login(policy_staff)
    response = client.get(reverse("poskantoor:year_plan_pdf", args=[office.pk, 2026]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content)
    assert body == stored
    assert "Een gedeelde opslag voor alle machines" in pdf_text(body)


def test_new_version_replaces_the_old_object_in_the_bucket(
    s3_storage, policy_staff, django_capture_on_commit_callbacks
):
    office = make_office()
    plan = services.year_plan_save(office=office, year=2026, data=DATA, by=policy_staff)
    tasks.year_plan_render(plan.pk)
    first = YearPlan.objects.get(pk=plan.pk).pdf.name
    services.year_plan_save(
        office=office, year=2026, data={**DATA, "long_term_vision": "Tweede"}, by=policy_staff
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.year_plan_render(plan.pk) is True
    second = YearPlan.objects.get(pk=plan.pk).pdf.name
    assert first != second
    assert s3_storage.keys() == [second]
    assert "Tweede" in pdf_text(s3_storage.read(second))


def test_out_of_scope_staff_cannot_download_the_stored_pdf(s3_storage, policy_staff, client):
    from tests.factories import StaffProfileFactory, municipality

    office = make_office()
    plan = services.year_plan_save(office=office, year=2026, data=DATA, by=policy_staff)
    tasks.year_plan_render(plan.pk)
    other = StaffProfileFactory(policy_staff=True, municipality=municipality("GM0193")).user
    client.force_login(other)
    response = client.get(reverse("poskantoor:year_plan_pdf", args=[office.pk, 2026]))
    assert response.status_code == 404
    client.logout()
    response = client.get(reverse("poskantoor:year_plan_pdf", args=[office.pk, 2026]))
    assert response.status_code == 302


def test_an_import_keeps_its_upload_and_report_in_the_bucket_and_the_report_downloads(
    s3_storage, pos_staff, client, django_capture_on_commit_callbacks
):
    """The provider import's uploaded file and result report live in the bucket: a worker on
    another machine reads the upload, and any web process serves the report."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from providers.models import Provider, ProviderImport
    from tests.providers.test_import import GOOD

    client.force_login(pos_staff)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/aanbieders/importeren/",
            {"file": SimpleUploadedFile("aanbieders.csv", GOOD.encode()), "apply": "1"},
        )
    assert response.status_code == 302
    job = ProviderImport.objects.get()
    assert job.applied
    assert Provider.objects.count() == 2
    keys = s3_storage.keys()
    assert sorted(keys) == sorted([job.file.name, job.report.name])
    assert s3_storage.read(job.file.name) == GOOD.encode()
    report = client.get(f"/aanbieders/import/{job.pk}/rapport.csv")
    assert report.status_code == 200
    body = b"".join(report.streaming_content)
    assert body == s3_storage.read(job.report.name)
    assert "2;Padel Noord;Aangemaakt;" in body.decode("utf-8-sig")
    assert job.file.name.startswith(f"imports/{job.pk}/")
    assert not (Path(settings.MEDIA_ROOT) / "imports" / str(job.pk)).exists()  # not on disk


SETTINGS_ENV = {
    # What production requires (settings/production.py and the deployment docs).
    "DJANGO_SECRET_KEY": "x" * 50,
    "DJANGO_ALLOWED_HOSTS": "sportloket.example.nl",
    "DJANGO_EMAIL_URL": "smtp://127.0.0.1:1025",
    "SPORTLOKET_SITE_URL": "https://sportloket.example.nl",
    "DJANGO_DEFAULT_FROM_EMAIL": "Sportloket <noreply@sportloket.example.nl>",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
S3_ENV = {
    "DJANGO_S3_BUCKET": "sportloket-files",
    "DJANGO_S3_ENDPOINT_URL": "https://s3.example.nl",
    "DJANGO_S3_REGION": "nl-ams",
    "DJANGO_S3_ACCESS_KEY_ID": "key",
    "DJANGO_S3_SECRET_ACCESS_KEY": "secret",
}


def default_storage_of(settings_module: str, extra: dict[str, str]) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.STORAGES['default']))"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_S3_")}
    env.update(SETTINGS_ENV, DJANGO_SETTINGS_MODULE=settings_module, **extra)
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "settings_module", ["sportloket.settings.dev", "sportloket.settings.production"]
)
def test_s3_variables_switch_the_default_storage_and_the_local_folder_stays_the_default(
    settings_module,
):
    local = default_storage_of(settings_module, {})
    assert local == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    configured = default_storage_of(settings_module, S3_ENV)
    assert configured["BACKEND"] == "storages.backends.s3.S3Storage"
    options = configured["OPTIONS"]
    assert options["bucket_name"] == "sportloket-files"
    assert options["endpoint_url"] == "https://s3.example.nl"
    assert options["region_name"] == "nl-ams"
    assert options["access_key"] == "key"
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
