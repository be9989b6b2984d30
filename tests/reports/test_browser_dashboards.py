"""Journey in Chromium: POS staff filter the national dashboard and download a CSV."""

import datetime as dt

import pytest

from tests.poskantoor.factories import make_office

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_pos_staff_filter_the_national_dashboard_and_download_a_csv(page, login, pos_staff):
    make_office("GM0344", registered_on=dt.date(2026, 1, 31))
    make_office("GM0363", registered_on=dt.date(2026, 2, 10))
    login(pos_staff.username)
    page.get_by_role("link", name="Landelijk POS-dashboard").click()
    offices = page.locator("#offices-table")
    assert "Amsterdam" in offices.inner_text()
    page.get_by_label("Provincie").select_option("Utrecht")
    page.get_by_role("button", name="Filter", exact=True).click()
    page.wait_for_url("**province=Utrecht**")
    assert "Amsterdam" not in page.locator("#offices-table").inner_text()
    assert "Utrecht" in page.locator("#offices-table").inner_text()
    assert page.locator("svg[role=img] title").first.text_content()
    with page.expect_download() as info:
        page.get_by_test_id("csv-offices").click()
    download = info.value
    assert download.suggested_filename.endswith(".csv")
    text = open(download.path(), encoding="utf-8-sig").read()
    assert "Utrecht" in text
    assert "Amsterdam" not in text
