"""The API's behaviour: tokens, the session, refusals in the pages' words, the public lists
(cached, rate limited), and the question list's constant number of queries."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from api.models import ApiToken
from api.services import ApiTokenError, api_token_create, api_token_revoke, key_hash
from meetings.models import Handover
from meetings.support.constants import SupportStatus
from providers.models import Provider
from sportloket.models import DeskPartner
from tests.factories import (
    DeskFactory,
    OrganisationFactory,
    ProviderFactory,
    StaffProfileFactory,
    municipality,
)
from tests.meetings.factories import SupportRequestFactory
from tests.subsidies.factories import SchemeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk():
    return DeskFactory(municipalities=[municipality()])


@pytest.fixture
def club(desk):
    return StaffProfileFactory(club_supporter=True, desk=desk, user__username="kim").user


def key_for(user) -> str:
    return api_token_create(
        organisation=user.staff_profile.organisation, user=user, name="koppeling", by=None
    )[1]


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


# --- Tokens --------------------------------------------------------------------------------------


def test_a_token_is_stored_hashed_and_its_key_shown_only_once(club):
    token, key = api_token_create(
        organisation=club.staff_profile.organisation, user=club, name="Website", by=None
    )
    stored = ApiToken.objects.get(pk=token.pk)
    assert key.startswith(stored.prefix)
    assert stored.key_hash == key_hash(key)
    assert key not in str(ApiToken.objects.filter(pk=token.pk).values().get())


def test_a_token_acts_only_as_an_account_of_its_own_organisation(club):
    with pytest.raises(ApiTokenError, match="eigen organisatie"):
        api_token_create(organisation=OrganisationFactory(), user=club, name="x", by=None)
    assert not ApiToken.objects.exists()


def test_the_last_use_is_recorded(client, club):
    key = key_for(club)
    assert client.get("/api/v1/questions/", headers=bearer(key)).status_code == 200
    assert ApiToken.objects.get().last_used_at is not None


def test_a_revoked_token_is_refused_in_dutch(client, club):
    key = key_for(club)
    api_token_revoke(token=ApiToken.objects.get(), by=None)
    response = client.get("/api/v1/questions/", headers=bearer(key))
    assert response.status_code == 401
    assert response.json()["detail"] == "Deze API-sleutel is onbekend of ingetrokken."
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_stops_working_when_its_account_leaves_the_organisation(client, club):
    key = key_for(club)
    profile = club.staff_profile
    profile.organisation = OrganisationFactory()
    profile.save()
    assert client.get("/api/v1/questions/", headers=bearer(key)).status_code == 401


def test_without_credentials_the_api_answers_401_not_a_login_page(client):
    response = client.get("/api/v1/questions/")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"


# --- The browser session -------------------------------------------------------------------------


def test_the_session_reads_and_writes_need_the_csrf_token(club, desk):
    question = SupportRequestFactory(desk=desk, provider=ProviderFactory())
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(club)
    assert browser.get("/api/v1/questions/").status_code == 200
    url = f"/api/v1/questions/{question.pk}/status/"
    body = {"status": SupportStatus.TRIAGED, "text": ""}
    refused = browser.post(url, body, content_type="application/json")
    assert refused.status_code == 403
    browser.get("/account/login/")
    token = browser.cookies["csrftoken"].value
    done = browser.post(url, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == SupportStatus.TRIAGED


def test_an_unverified_two_step_session_gets_no_api_access(client, club, settings):
    settings.SPORTLOKET_REQUIRE_2FA = True
    client.force_login(club)
    response = client.get("/api/v1/questions/")
    # The two-step gate answers first: on to enrolment, no data.
    assert response.status_code == 302
    assert response["Location"].startswith("/account/tweestaps/")
    assert b"results" not in response.content


def test_the_session_authentication_refuses_an_unverified_user_itself(rf, club, settings):
    from rest_framework.exceptions import AuthenticationFailed
    from rest_framework.request import Request

    from api.authentication import VerifiedSessionAuthentication

    settings.SPORTLOKET_REQUIRE_2FA = True
    request = rf.get("/api/v1/questions/")
    club.is_verified = lambda: False
    request.user = club
    request._dont_enforce_csrf_checks = True
    with pytest.raises(AuthenticationFailed):
        VerifiedSessionAuthentication().authenticate(Request(request))


# --- Refusals in the pages' words ----------------------------------------------------------------


def test_a_status_the_workflow_does_not_allow_is_refused_with_the_forms_message(client, club, desk):
    question = SupportRequestFactory(desk=desk, status=SupportStatus.CLOSED)
    response = client.post(
        f"/api/v1/questions/{question.pk}/status/",
        {"status": SupportStatus.NEW},
        content_type="application/json",
        headers=bearer(key_for(club)),
    )
    assert response.status_code == 400
    message = response.json()["errors"]["status"][0]
    client.force_login(club)
    page = client.post(
        f"/loket/hulpvragen/{question.pk}/status/", {"status": SupportStatus.NEW}
    ).content.decode()
    assert message in page.replace("&ldquo;", "“").replace("&rdquo;", "”").replace("&#x27;", "'")


def test_a_second_handover_is_refused_409_with_the_services_message(client, club, desk):
    partner = OrganisationFactory()
    DeskPartner.objects.create(desk=desk, organisation=partner)
    question = SupportRequestFactory(desk=desk, status=SupportStatus.TRIAGED)
    url = f"/api/v1/questions/{question.pk}/handover/"
    body = {"organisation": partner.pk, "note": "Graag contact"}
    key = key_for(club)
    first = client.post(url, body, content_type="application/json", headers=bearer(key))
    assert first.status_code == 200, first.json()
    assert Handover.objects.filter(support_request=question).count() == 1
    again = client.post(url, body, content_type="application/json", headers=bearer(key))
    assert again.status_code == 409
    assert again.json() == {
        "code": "refused",
        "detail": "Deze vraag wacht al op het antwoord van een organisatie.",
    }
    assert Handover.objects.filter(support_request=question).count() == 1


def test_another_desks_question_is_404(client, desk):
    other = StaffProfileFactory(
        club_supporter=True, desk=DeskFactory(municipalities=[municipality("GM0363")])
    ).user
    question = SupportRequestFactory(desk=desk)
    key = key_for(other)
    assert client.get(f"/api/v1/questions/{question.pk}/", headers=bearer(key)).status_code == 404
    response = client.post(
        f"/api/v1/questions/{question.pk}/status/",
        {"status": SupportStatus.TRIAGED},
        content_type="application/json",
        headers=bearer(key),
    )
    assert response.status_code == 404
    assert SupportRequestFactory._meta.model.objects.get(pk=question.pk).status == "new"


def test_bad_json_is_a_400_not_a_500(client, club):
    response = client.post(
        "/api/v1/providers/",
        "[1, 2",
        content_type="application/json",
        headers=bearer(key_for(club)),
    )
    assert response.status_code == 400
    assert response.json()["detail"]


# --- Writes through the pages' services ----------------------------------------------------------


def test_a_question_registered_through_the_api_is_on_the_board(client, club, desk):
    provider = ProviderFactory()
    response = client.post(
        "/api/v1/questions/",
        {"provider": provider.pk, "channel": "phone", "subject": "Zwemles", "question": "Hoe?"},
        content_type="application/json",
        headers=bearer(key_for(club)),
    )
    assert response.status_code == 201, response.json()
    listed = client.get("/api/v1/questions/", headers=bearer(key_for(club))).json()
    assert [row["subject"] for row in listed["results"]] == ["Zwemles"]


def test_a_provider_is_created_and_patched_with_the_forms_rules(client, club):
    key = key_for(club)
    body = {"name": "SV Oranje", "kind": "club", "municipality": municipality().pk}
    created = client.post(
        "/api/v1/providers/", body, content_type="application/json", headers=bearer(key)
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    patched = client.patch(
        f"/api/v1/providers/{pk}/",
        {"city": "Utrecht"},
        content_type="application/json",
        headers=bearer(key),
    )
    assert patched.status_code == 200, patched.json()
    assert Provider.objects.get(pk=pk).city == "Utrecht"
    assert Provider.objects.get(pk=pk).name == "SV Oranje"
    bad = client.patch(
        f"/api/v1/providers/{pk}/",
        {"kvk_number": "12"},
        content_type="application/json",
        headers=bearer(key),
    )
    assert bad.status_code == 400
    assert "kvk_number" in bad.json()["errors"]


# --- Public lists --------------------------------------------------------------------------------


def test_the_public_lists_need_no_login_and_come_from_the_cache(
    client, desk, django_assert_num_queries
):
    SchemeFactory()
    first = client.get("/api/v1/public/desks/")
    assert first.status_code == 200
    assert first.json()[0]["name"] == desk.name
    assert first.json()[0]["municipalities"][0]["cbs_code"] == "GM0344"
    with django_assert_num_queries(0):
        assert client.get("/api/v1/public/desks/").json() == first.json()
    assert client.get("/api/v1/public/schemes/").status_code == 200
    assert client.get("/api/v1/public/pos-offices/").status_code == 200


def test_the_public_lists_are_rate_limited_per_address(client, settings):
    settings.SPORTLOKET_SEARCH_RATE = 2
    statuses = [client.get("/api/v1/public/desks/").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    refused = client.get("/api/v1/public/desks/")
    assert refused["Retry-After"]
    assert refused.json()["code"] == "throttled"
    assert "Wacht" in refused.json()["detail"]


# --- Constant queries ----------------------------------------------------------------------------


def count_list_queries(client, key, django_assert_max_num_queries) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/questions/?status=", headers=bearer(key)).status_code == 200
    return len(queries)


def test_the_question_list_runs_the_same_queries_for_3_or_30_questions(
    client, club, desk, django_assert_max_num_queries
):
    key = key_for(club)
    SupportRequestFactory.create_batch(3, desk=desk)
    client.get("/api/v1/questions/", headers=bearer(key))  # last_used_at written once
    few = count_list_queries(client, key, django_assert_max_num_queries)
    SupportRequestFactory.create_batch(27, desk=desk, assignee=club)
    many = count_list_queries(client, key, django_assert_max_num_queries)
    assert few == many <= 8


def test_the_question_list_names_each_questions_provider_category_assignee_and_organisation(
    client, club, desk, django_assert_max_num_queries
):
    """The rows are read without joins and their relations looked up apart: each question
    still names its own, also an assignee and an organisation that are not among the
    filters' choices (a colleague who left the desk, an organisation no longer its partner),
    and a question without them says null."""
    from sportloket.models import QuestionCategory

    partner = OrganisationFactory(name="Sportbedrijf Noord")
    DeskPartner.objects.create(desk=desk, organisation=partner)
    former = OrganisationFactory(name="Oude partner")
    left = StaffProfileFactory(club_supporter=True, user__first_name="Sam", user__last_name="Vos")
    category = QuestionCategory.objects.order_by("pk").first()
    handed = SupportRequestFactory(
        desk=desk,
        provider=ProviderFactory(name="Zwemclub De Golf"),
        category=category,
        assignee=club,
        organisation=partner,
        status=SupportStatus.HANDED_OVER,
    )
    elsewhere = SupportRequestFactory(
        desk=desk,
        assignee=left.user,
        organisation=former,
        status=SupportStatus.WAITING_FOR_PROVIDER,
    )
    bare = SupportRequestFactory(desk=desk, category=None, assignee=None)
    key = key_for(club)
    client.get("/api/v1/questions/", headers=bearer(key))  # last_used_at written once
    with django_assert_max_num_queries(10):  # 8, and one each for the two not among the choices
        rows = client.get("/api/v1/questions/?status=", headers=bearer(key)).json()["results"]
    by_id = {row["id"]: row for row in rows}
    assert by_id[handed.pk]["provider"] == {"id": handed.provider_id, "name": "Zwemclub De Golf"}
    assert by_id[handed.pk]["category"] == {"id": category.pk, "name": category.name}
    assert by_id[handed.pk]["assignee"] == {"id": club.pk, "name": club.get_full_name() or "kim"}
    assert by_id[handed.pk]["organisation"] == {"id": partner.pk, "name": "Sportbedrijf Noord"}
    assert by_id[handed.pk]["municipality"] == {"id": municipality().pk, "name": "Utrecht"}
    assert by_id[elsewhere.pk]["assignee"] == {"id": left.user.pk, "name": "Sam Vos"}
    assert by_id[elsewhere.pk]["organisation"] == {"id": former.pk, "name": "Oude partner"}
    assert by_id[bare.pk]["category"] is None
    assert by_id[bare.pk]["assignee"] is None
    assert by_id[bare.pk]["organisation"] is None
    assert by_id[bare.pk]["provider"]["name"] == bare.provider.name


def test_the_docs_use_vendored_assets_only(client):
    from django.contrib.staticfiles import finders

    page = client.get("/api/v1/docs/").content.decode()
    scripts = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', page)
    assert scripts
    assert all(src.startswith("/") for src in scripts), scripts
    assert finders.find("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    schema = client.get("/api/v1/schema/?format=json").json()
    assert "/api/v1/questions/" in schema["paths"]


def list_queries(client, url: str, key: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, headers=bearer(key)).status_code == 200
    return len(queries)


def test_the_provider_and_office_lists_run_the_same_queries_for_few_or_many(client, club):
    from tests.poskantoor.factories import make_office

    key = key_for(club)
    client.get("/api/v1/providers/", headers=bearer(key))  # last_used_at written once
    ProviderFactory.create_batch(2)
    make_office("GM0344")
    few = [list_queries(client, url, key) for url in ("/api/v1/providers/", "/api/v1/pos-offices/")]
    ProviderFactory.create_batch(20, eligible=True)
    many = [
        list_queries(client, url, key) for url in ("/api/v1/providers/", "/api/v1/pos-offices/")
    ]
    assert few == many
