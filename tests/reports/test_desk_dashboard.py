"""The desk dashboard (rollup, live figures, roles, CSV, query count) and the monitoring
export."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from meetings import tasks
from meetings.models import ContactMoment, Handover, QuestionWeekStat
from meetings.support import services
from meetings.support.constants import HandoverStatus, SupportStatus
from reports import selectors
from sportloket.models import Municipality, QuestionCategory
from tests.factories import DeskFactory, OrganisationFactory, ProviderFactory, municipality
from tests.meetings.factories import SupportRequestFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def questions(desk, supporter):
    category = QuestionCategory.objects.order_by("pk").first()
    now = timezone.now()
    made = []
    for status in [SupportStatus.NEW, SupportStatus.NEW, SupportStatus.RESOLVED]:
        made.append(SupportRequestFactory(desk=desk, status=status, category=category))
    answered = made[2]
    answered.first_response_at = answered.created_at + dt.timedelta(hours=5)
    answered.save(update_fields=["first_response_at"])
    made[1].first_response_at = made[1].created_at + dt.timedelta(hours=1)
    made[1].save(update_fields=["first_response_at"])
    assert now
    return made


def test_refresh_builds_the_rollup_and_running_twice_gives_the_same_rows(desk, questions):
    assert services.desk_stats_refresh(desk=desk) == 2  # (week, new, cat) and (week, resolved, cat)
    first = sorted(QuestionWeekStat.objects.values_list("status", "count"))
    assert tasks.desk_stats_refresh() == 0  # the same counts again: no row to write
    assert (
        sorted(QuestionWeekStat.objects.filter(desk=desk).values_list("status", "count")) == first
    )
    assert first == [("new", 2), ("resolved", 1)]


def test_dashboard_figures(desk, questions, partner_org):
    services.desk_stats_refresh(desk=desk)
    Handover.objects.create(
        support_request=questions[0],
        organisation=partner_org,
        note="Graag contact",
        status=HandoverStatus.ACCEPTED,
        respond_by=timezone.localdate(),
    )
    contacted = ProviderFactory(municipality=municipality(), status="active", vog_status="met")
    ContactMoment.objects.create(
        provider=contacted, desk=desk, date=timezone.localdate(), channel="visit", summary="Bezoek"
    )
    data = selectors.desk_dashboard(desk=desk)
    statuses = dict(data.per_status)
    assert statuses["Nieuw"] == 2
    assert sum(n for _, n in data.per_category) == 3
    assert data.per_week[-1][1] == 3
    assert len(data.per_week) == 26
    assert data.first_response_hours == 3.0  # median of 1 h and 5 h
    assert data.first_responses == 2
    assert [(h.organisation, h.total, h.accepted) for h in data.handovers] == [
        ("Welzijn West", 1, 1)
    ]
    assert data.providers >= 1
    assert data.contacted == 1
    vog = next(row for row in data.safety if row.key == "vog")
    assert vog.met >= 1


def test_roles_and_scoping(desk, supporter, client, pos_staff, user_for_role, questions):
    url = reverse("reports:desk_dashboard")
    assert client.get(url).status_code == 302
    client.force_login(supporter)
    assert client.get(url).status_code == 200
    other = DeskFactory(municipalities=[municipality("GM0363")])
    assert client.get(url, {"desk": other.pk}).status_code == 404
    assert (
        client.get(
            reverse("reports:desk_dashboard_csv", args=["status"]), {"desk": other.pk}
        ).status_code
        == 404
    )
    client.force_login(pos_staff)
    response = client.get(url, {"desk": other.pk})
    assert response.status_code == 200
    assert other.name in response.content.decode()
    client.force_login(user_for_role("policy_staff", municipality=municipality("GM0344")))
    response = client.get(url)
    assert response.status_code == 200
    assert "Loket Utrecht" in response.content.decode()
    assert client.get(url, {"desk": other.pk}).status_code == 404
    client.force_login(user_for_role("policy_staff", municipality=municipality("GM0599")))
    assert client.get(url).status_code == 404


def test_csv_exports_neutralise_formulas(desk, supporter, client, questions):
    evil = OrganisationFactory(name='=HYPERLINK("http://x")')
    Handover.objects.create(
        support_request=questions[0], organisation=evil, note="n", respond_by=timezone.localdate()
    )
    client.force_login(supporter)
    response = client.get(reverse("reports:desk_dashboard_csv", args=["handovers"]))
    body = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in body or "\"'=HYPERLINK" in body
    for table in ["status", "category", "week", "providers"]:
        assert client.get(reverse("reports:desk_dashboard_csv", args=[table])).status_code == 200
    assert client.get(reverse("reports:desk_dashboard_csv", args=["x"])).status_code == 404


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_query_count_does_not_grow_with_questions(desk, supporter, client, partner_org):
    client.force_login(supporter)
    url = reverse("reports:desk_dashboard")
    SupportRequestFactory(desk=desk)
    services.desk_stats_refresh(desk=desk)
    small = _queries(client, url)
    categories = list(QuestionCategory.objects.all())
    for index in range(30):
        question = SupportRequestFactory(
            desk=desk, category=categories[index % len(categories)], status=SupportStatus.TRIAGED
        )
        Handover.objects.create(
            support_request=question,
            organisation=OrganisationFactory(),
            note="n",
            status=HandoverStatus.DECLINED,
            respond_by=timezone.localdate(),
        )
        ProviderFactory(municipality=municipality())
    services.desk_stats_refresh(desk=desk)
    assert _queries(client, url) == small
    assert small <= 12


# --- Monitoring export ------------------------------------------------------------------------


def test_monitoring_export_per_role(
    client, pos_staff, policy_staff, club_supporter, desk, questions
):
    url = reverse("reports:monitoring_export", args=[timezone.localdate().year])
    assert client.get(url).status_code == 302
    client.force_login(club_supporter)
    assert client.get(url).status_code == 403
    client.force_login(pos_staff)
    response = client.get(url)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == Municipality.objects.filter(active=True).count() + 1
    assert sheet["A1"].value == "CBS-code"
    client.force_login(policy_staff)
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    assert sheet.max_row == 2
    row = [cell.value for cell in sheet[2]]
    assert row[0] == "GM0344"
    assert row[11] == 3  # questions received this year in Utrecht
    assert client.get(reverse("reports:monitoring_export", args=[1900])).status_code == 404


def test_xlsx_text_is_never_a_formula():
    from reports.exports import write_xlsx

    buffer = io.BytesIO()
    write_xlsx(buffer, title="Monitor", header=["a"], rows=[["=1+1"]])
    cell = load_workbook(io.BytesIO(buffer.getvalue())).active["A2"]
    assert cell.data_type == "s"
    assert cell.value == "=1+1"


# --- Rising themes and signals (issue 9's rule, computed from the rollup) ----------------------


def test_period_start_cuts_weeks_at_the_start_of_a_quarter():
    assert services.stats_period_start(dt.date(2026, 7, 2)) == dt.date(2026, 7, 1)  # Thu
    assert services.stats_period_start(dt.date(2026, 6, 30)) == dt.date(2026, 6, 29)  # Tue
    assert services.stats_period_start(dt.date(2026, 7, 8)) == dt.date(2026, 7, 6)


def test_rising_themes_from_the_rollup_equal_the_network_selector(desk, supporter):
    from meetings.models import SupportRequest
    from meetings.themes import Quarter, rising_themes
    from sportloket.models import Theme

    theme_a, theme_b = Theme.objects.order_by("pk")[:2]
    grows, steady = QuestionCategory.objects.order_by("pk")[:2]
    grows.themes.set([theme_a, theme_b])
    steady.themes.set([theme_b])
    now = timezone.now()
    quarter = Quarter.of(timezone.localdate(now))
    before = timezone.make_aware(dt.datetime.combine(quarter.previous.start, dt.time(12)))
    for category, when, n in [(grows, now, 5), (grows, before, 1), (steady, before, 6)]:
        made = SupportRequestFactory.create_batch(n, desk=desk, category=category)
        SupportRequest.objects.filter(pk__in=[q.pk for q in made]).update(created_at=when)
    services.desk_stats_refresh(desk=desk, now=now)
    expected = rising_themes(desk=desk, quarter=quarter)
    data = selectors.desk_dashboard(desk=desk, now=now)
    assert [(c.theme, c.current, c.previous) for c in data.rising] == [
        (c.theme, c.current, c.previous) for c in expected
    ]
    assert [c.theme for c in data.rising] == [theme_a]


def test_signals_appear_on_the_dashboard_and_in_the_csv(desk, supporter, client):
    from network.models import Signal
    from sportloket.models import Theme

    Signal.objects.create(
        desk=desk,
        theme=Theme.objects.first(),
        description="Bestuurders haken af door werkdruk",
        source=Signal._meta.get_field("source").choices[0][0],
        recorded_on=timezone.localdate(),
        recorded_by=supporter,
    )
    client.force_login(supporter)
    page = client.get(reverse("reports:desk_dashboard")).content.decode()
    assert "Bestuurders haken af door werkdruk" in page
    body = client.get(reverse("reports:desk_dashboard_csv", args=["signals"])).content.decode(
        "utf-8-sig"
    )
    assert "Bestuurders haken af door werkdruk" in body
    assert (
        client.get(reverse("reports:desk_dashboard_csv", args=["rising-themes"])).status_code == 200
    )
