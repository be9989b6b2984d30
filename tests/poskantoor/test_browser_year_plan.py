"""Journey in Chromium: policy staff write their office's year plan and download its PDF."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from .factories import make_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_policy_staff_write_the_year_plan_and_download_its_pdf(page, login, policy_staff):
    make_office("GM0344", registered_on=dt.date(2026, 1, 31))
    year = timezone.localdate().year
    login(policy_staff.username)
    page.get_by_role("link", name="POS-kantoren").first.click()
    page.get_by_role("link", name="Utrecht").click()
    page.get_by_role("link", name=f"Jaarplan {year} schrijven of bewerken").click()
    page.get_by_label("Kortetermijndoel", exact=False).first.fill("Drie bijeenkomsten in 2026")
    page.get_by_label("Begrotingsposten").fill("Startbijeenkomst; 1.250,50")
    page.get_by_role("button", name="Jaarplan opslaan").click()
    assert "Het jaarplan is opgeslagen" in page.locator("main").inner_text()
    with page.expect_download() as info:
        page.get_by_test_id("year-plan-pdf").click()
    download = info.value
    assert download.suggested_filename == f"jaarplan-utrecht-{year}.pdf"
    with open(download.path(), "rb") as handle:
        reader = PdfReader(io.BytesIO(handle.read()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "Drie bijeenkomsten in 2026" in text
    assert "1.250,50" in text
