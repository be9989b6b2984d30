import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from meetings.models import ContactMoment, Handover, SupportRequest
from meetings.support import services
from meetings.support.constants import Channel, EventKind, SupportStatus
from providers.models import Provider
from sportloket.constants import Role
from tests.factories import DeskFactory, ProviderFactory, StaffProfileFactory, municipality

from .factories import SupportRequestFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("meetings:board")


def make_request(desk, provider=None, **kwargs):
    return services.support_request_create(
        desk=desk,
        provider=provider or ProviderFactory(),
        subject=kwargs.pop("subject", "Vrijwilligers"),
        question="Hoe vinden we vrijwilligers?",
        channel=Channel.PHONE,
        **kwargs,
    )


def action(request, name):
    return reverse("meetings:request_action", args=[request.pk, name])


# --- Public form -----------------------------------------------------------------------------


def public_data(**overrides):
    return {
        "provider_name": "Nieuwe Club",
        "kvk_number": "",
        "municipality": municipality().pk,
        "contact_name": "Kim",
        "email": "kim@example.org",
        "subject": "Hulp",
        "question": "Wij zoeken vrijwilligers.",
        "privacy_consent": "on",
        **overrides,
    }


def test_public_form_registers_question_and_pending_provider(client, desk):
    assert client.get("/hulpvraag/").status_code == 200
    response = client.post("/hulpvraag/", public_data())
    assert response.status_code == 302
    request = SupportRequest.objects.get()
    assert request.provider.status == "pending"
    assert request.desk == desk


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "geen-email"},
        {"kvk_number": "123"},
        {"municipality": "abc"},
        {"question": ""},
        {"question": "x" * 6000},
        {"privacy_consent": ""},
    ],
)
def test_public_form_bad_input_keeps_what_was_typed(client, desk, overrides):
    response = client.post("/hulpvraag/", public_data(**overrides))
    assert response.status_code == 400
    assert "Nieuwe Club" in response.content.decode()
    assert not SupportRequest.objects.exists()
    assert not Provider.objects.exists()


def test_public_form_without_desk_explains_in_dutch(client, desk):
    response = client.post("/hulpvraag/", public_data(municipality=municipality("GM0363").pk))
    assert response.status_code == 400
    assert "Er is in Sportloket nog geen sport- en beweegloket" in response.content.decode()


def test_public_form_honeypot_stores_nothing(client, desk):
    response = client.post("/hulpvraag/", public_data(website_url="http://spam"))
    assert response.status_code == 302
    assert not SupportRequest.objects.exists()


# --- Private link ----------------------------------------------------------------------------


def test_private_link_shows_status_and_public_messages_only(client, desk, supporter):
    request = make_request(desk)
    services.support_request_message(
        request=request, text="GEHEIME-NOTITIE", public=False, by=supporter
    )
    services.support_request_message(
        request=request, text="Publiek antwoord", public=True, by=supporter
    )
    other = make_request(desk, subject="ANDERE-VRAAG")
    response = client.get(request.get_public_url())
    body = response.content.decode()
    assert response.status_code == 200
    assert "Publiek antwoord" in body
    assert "GEHEIME-NOTITIE" not in body
    assert "ANDERE-VRAAG" not in body
    assert supporter.username not in body
    assert other.public_token not in body


@pytest.mark.parametrize("token", ["x", "a" * 43, "a" * 200, "%00", "a" * 42 + "%00"])
def test_private_link_with_a_wrong_code_is_404(client, desk, token):
    make_request(desk)
    assert client.get(f"/hulpvraag/volg/{token}/").status_code == 404


def test_requester_adds_information_and_a_waiting_question_resumes(client, desk, supporter):
    request = make_request(desk)
    services.support_request_transition(request=request, to="waiting", by=supporter)
    response = client.post(request.get_public_url(), {"text": "Meer informatie"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == SupportStatus.TRIAGED
    assert client.post(request.get_public_url(), {"text": ""}).status_code == 400


# --- Access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client, desk):
    request = make_request(desk)
    for url in [BOARD, request.get_absolute_url(), reverse("meetings:handover_queue")]:
        response = client.get(url)
        assert response.status_code == 302
        assert "/account/login/" in response["Location"]


def test_pos_staff_get_403(client, pos_staff, desk):
    request = make_request(desk)
    client.force_login(pos_staff)
    assert client.get(BOARD).status_code == 403
    assert client.get(request.get_absolute_url()).status_code == 403


def test_staff_of_another_desk_cannot_see_or_change_the_question(client, desk):
    request = make_request(desk)
    other = StaffProfileFactory(club_supporter=True, desk=DeskFactory()).user
    client.force_login(other)
    assert client.get(request.get_absolute_url()).status_code == 404
    for name in ["assign-me", "status", "handover", "message", "classify"]:
        assert client.post(action(request, name), {"status": "resolved"}).status_code == 404
    response = client.post(reverse("meetings:bulk"), {"ids": [request.pk], "action": "assign_me"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.assignee is None
    assert f"#{request.pk}" not in client.get(BOARD).content.decode()


def test_policy_staff_see_their_municipality_without_internal_notes(
    client, desk, supporter, policy_staff
):
    request = make_request(desk)
    services.support_request_message(
        request=request, text="GEHEIME-NOTITIE", public=False, by=supporter
    )
    client.force_login(policy_staff)
    body = client.get(request.get_absolute_url()).content.decode()
    assert "GEHEIME-NOTITIE" not in body
    assert "Vrijwilligers" in body
    assert client.post(action(request, "assign-me")).status_code == 403
    assert f"#{request.pk}" in client.get(BOARD).content.decode()
    elsewhere = make_request(
        DeskFactory(municipalities=[municipality("GM0363")]),
        provider=ProviderFactory(municipality=municipality("GM0363")),
    )
    assert client.get(elsewhere.get_absolute_url()).status_code == 404


# --- Board -----------------------------------------------------------------------------------


def test_board_filters_and_sorts_by_deadline(client, desk, supporter):
    late = SupportRequestFactory(desk=desk, subject="LAAT", deadline=dt.date(2030, 1, 1))
    early = SupportRequestFactory(desk=desk, subject="VROEG", deadline=dt.date(2020, 1, 1))
    SupportRequestFactory(desk=desk, subject="GESLOTEN", status=SupportStatus.CLOSED, is_open=False)
    client.force_login(supporter)
    body = client.get(BOARD).content.decode()
    assert body.index("VROEG") < body.index("LAAT")
    assert "GESLOTEN" not in body
    body = client.get(BOARD, {"sort": "-deadline"}).content.decode()
    assert body.index("LAAT") < body.index("VROEG")
    body = client.get(BOARD, {"overdue": "true"}).content.decode()
    assert "VROEG" in body
    assert "LAAT" not in body
    body = client.get(BOARD, {"status": "closed"}).content.decode()
    assert "GESLOTEN" in body
    assert "VROEG" not in body
    body = client.get(BOARD, {"eligible": "yes"}).content.decode()
    assert "VROEG" not in body
    late.provider.vog_status = late.provider.vcp_status = "met"
    late.provider.code_of_conduct_status = late.provider.trainer_qualification_status = "met"
    late.provider.save()
    body = client.get(BOARD, {"eligible": "yes"}).content.decode()
    assert "LAAT" in body
    assert early.subject not in body
    body = client.get(BOARD, {"eligible": "no", "sort": "-deadline"}).content.decode()
    assert "VROEG" in body
    assert "LAAT" not in body


@pytest.mark.parametrize(
    "query",
    [
        {"status": "nonsense"},
        {"category": "x"},
        {"assignee": "99999"},
        {"overdue": "maybe"},
        {"page": "-5"},
        {"page": "abc"},
        {"sort": "provider__name"},
        {"municipality": "1' OR 1=1"},
    ],
)
def test_board_never_fails_on_bad_filters(client, supporter, query):
    client.force_login(supporter)
    assert client.get(BOARD, query).status_code == 200


def test_board_query_count_is_constant(client, desk, supporter, django_assert_max_num_queries):
    client.force_login(supporter)
    SupportRequestFactory.create_batch(2, desk=desk)
    client.get(BOARD)
    with django_assert_max_num_queries(12) as small:
        client.get(BOARD)
    SupportRequestFactory.create_batch(40, desk=desk, assignee=supporter)
    with django_assert_max_num_queries(12) as large:
        response = client.get(BOARD)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert response.context["has_next"] is True
    assert len(response.context["rows"]) == 25


def test_assign_to_me_with_and_without_htmx(client, desk, supporter):
    a, b = make_request(desk), make_request(desk)
    client.force_login(supporter)
    response = client.post(action(a, "assign-me"), {"next": BOARD})
    assert response.status_code == 302
    assert response["Location"] == BOARD
    response = client.post(action(b, "assign-me"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="row-{b.pk}"' in response.content.decode()
    assert SupportRequest.objects.filter(assignee=supporter).count() == 2


def test_invalid_transition_is_refused_with_a_clear_message(client, desk, supporter):
    request = make_request(desk)
    services.support_request_transition(request=request, to="rejected", by=supporter)
    client.force_login(supporter)
    response = client.post(action(request, "status"), {"status": "resolved"}, follow=True)
    assert "kan niet worden gewijzigd" in response.content.decode()
    request.refresh_from_db()
    assert request.status == SupportStatus.REJECTED


def test_bad_action_input_re_renders_without_server_error(client, desk, supporter):
    request = make_request(desk)
    client.force_login(supporter)
    for name, data in [
        ("status", {"status": "bogus"}),
        ("assign", {"assignee": "abc"}),
        ("classify", {"priority": "9"}),
        ("message", {"text": ""}),
        ("handover", {"organisation": "x", "note": ""}),
    ]:
        assert client.post(action(request, name), data).status_code == 400
    assert client.post(action(request, "unknown")).status_code == 302
    request.refresh_from_db()
    assert request.events.count() == 1


def test_bulk_assigns_selected_questions_to_a_colleague(client, desk, supporter, colleague):
    a, b = make_request(desk), make_request(desk)
    client.force_login(supporter)
    response = client.post(
        reverse("meetings:bulk"),
        {"ids": [a.pk, b.pk], "action": "assign", "assignee": colleague.pk, "next": BOARD},
    )
    assert response.status_code == 302
    assert SupportRequest.objects.filter(assignee=colleague).count() == 2
    response = client.post(reverse("meetings:bulk"), {"ids": ["x"], "action": "assign_me"})
    assert response.status_code == 302


def test_staff_register_a_phone_question(client, desk, supporter):
    provider = ProviderFactory()
    client.force_login(supporter)
    response = client.post(
        reverse("meetings:request_create"),
        {
            "provider": provider.pk,
            "channel": "phone",
            "priority": "3",
            "subject": "Telefoon",
            "question": "Gebeld over huur",
        },
    )
    request = SupportRequest.objects.get()
    assert response["Location"] == request.get_absolute_url()
    assert request.created_by == supporter
    assert request.channel == "phone"
    response = client.post(reverse("meetings:request_create"), {"provider": "x"})
    assert response.status_code == 400


# --- Handover through the browser views -------------------------------------------------------


def test_partner_of_another_desk_sees_and_answers_the_handover(
    client, desk, supporter, partner, partner_org
):
    request = make_request(desk)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="Warme overdracht", by=supporter
    )
    client.force_login(partner)
    body = client.get(reverse("meetings:handover_queue")).content.decode()
    assert "Warme overdracht" in body
    # Pending: the note is in the queue, the question itself is not theirs yet.
    assert client.get(request.get_absolute_url()).status_code == 404
    assert client.post(action(request, "assign-me")).status_code == 404
    response = client.post(reverse("meetings:handover_decline", args=[handover.pk]), {})
    assert response.status_code == 400  # the queue again, the reason marked as missing
    assert "Warme overdracht" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    handover.refresh_from_db()
    assert handover.status == "pending"
    client.post(
        reverse("meetings:handover_accept", args=[handover.pk]),
        {"helper_name": "Femke", "help_by": "2000-01-01"},
    )
    handover.refresh_from_db()
    assert handover.status == "pending"
    client.post(reverse("meetings:handover_accept", args=[handover.pk]), {"helper_name": "Femke"})
    handover.refresh_from_db()
    assert handover.status == "accepted"
    assert client.post(reverse("meetings:handover_accept", args=[handover.pk])).status_code == 404
    assert client.get(request.get_absolute_url()).status_code == 200
    assert client.post(action(request, "assign-me")).status_code == 403


def test_other_organisations_cannot_answer_a_handover(client, desk, supporter, partner_org):
    request = make_request(desk)
    handover = services.handover_create(
        request=request, organisation=partner_org, note="x", by=supporter
    )
    client.force_login(supporter)
    assert client.post(reverse("meetings:handover_accept", args=[handover.pk])).status_code == 404
    assert Handover.objects.get().status == "pending"


# --- Contact moments -------------------------------------------------------------------------


def test_contact_moments_list_providers_without_recent_contact(client, desk, supporter):
    recent, stale, never = (
        ProviderFactory(name="RECENT"),
        ProviderFactory(name="OUD"),
        (ProviderFactory(name="NOOIT")),
    )
    ContactMoment.objects.create(
        provider=recent,
        desk=desk,
        staff=supporter,
        date=timezone.localdate(),
        channel="visit",
        summary="x",
    )
    ContactMoment.objects.create(
        provider=stale,
        desk=desk,
        staff=supporter,
        date=dt.date(2020, 1, 1),
        channel="visit",
        summary="x",
    )
    ProviderFactory(name="ELDERS", municipality=municipality("GM0363"))
    client.force_login(supporter)
    response = client.get(reverse("meetings:contact_moments"))
    names = [p.name for p in response.context["without_contact"]]
    assert names == sorted(["OUD", "NOOIT"])
    response = client.post(
        reverse("meetings:contact_moments"),
        {
            "provider": never.pk,
            "date": timezone.localdate().isoformat(),
            "channel": "phone",
            "summary": "Gebeld",
        },
    )
    assert response.status_code == 302
    assert ContactMoment.objects.filter(provider=never).exists()
    response = client.post(
        reverse("meetings:contact_moments"),
        {"provider": never.pk, "date": "2999-01-01", "channel": "phone", "summary": "x"},
    )
    assert response.status_code == 400
    assert response.context["without_contact"] is not None


def test_timeline_shows_events_on_the_question_page(client, desk, supporter):
    request = make_request(desk)
    services.support_request_assign(request=request, assignee=supporter, by=supporter)
    client.force_login(supporter)
    response = client.get(request.get_absolute_url())
    assert response.status_code == 200
    kinds = [e.kind for e in response.context["events"]]
    assert kinds[:2] == [EventKind.CREATED, EventKind.ASSIGNMENT]
    assert Role.CLUB_SUPPORTER


def test_administrator_without_desk_sees_all_questions_but_has_no_desk_pages(
    client, desk, administrator
):
    request = make_request(desk)
    client.force_login(administrator)
    assert f"#{request.pk}" in client.get(BOARD).content.decode()
    assert client.get(request.get_absolute_url()).status_code == 200
    assert client.get(reverse("meetings:request_create")).status_code == 404
    assert client.get(reverse("meetings:contact_moments")).status_code == 404
    assert client.get(reverse("meetings:handover_queue")).status_code == 200


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    params=st.dictionaries(
        st.sampled_from(
            [
                "status",
                "category",
                "municipality",
                "assignee",
                "organisation",
                "overdue",
                "eligible",
                "sort",
                "page",
            ]
        ),
        st.text(max_size=20),
    )
)
def test_board_answers_any_filter_input_without_server_error(client, supporter, params):
    client.force_login(supporter)
    assert client.get(BOARD, params).status_code == 200


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=30), email=st.text(max_size=30))
def test_public_form_answers_any_input_without_server_error(client, desk, text, email):
    cache.clear()  # the rate limit counts every example as one client
    response = client.post(
        "/hulpvraag/", public_data(provider_name=text, email=email, kvk_number=text[:8])
    )
    assert response.status_code in (302, 400)


def test_public_form_is_rate_limited_and_stores_nothing_beyond_the_limit(client, desk, settings):
    settings.SPORTLOKET_PUBLIC_FORM_RATE = 2
    for _ in range(2):
        assert client.post("/hulpvraag/", public_data()).status_code == 302
    assert client.post("/hulpvraag/", public_data()).status_code == 429
    assert SupportRequest.objects.count() == 2


def test_handover_queue_and_contact_pages_have_constant_queries(
    client, desk, supporter, partner, partner_org, django_assert_max_num_queries
):
    def fill(n):
        for _ in range(n):
            request = make_request(desk)
            services.handover_create(
                request=request, organisation=partner_org, note="x", by=supporter
            )
            ContactMoment.objects.create(
                provider=request.provider,
                desk=desk,
                staff=supporter,
                date=timezone.localdate(),
                channel="visit",
                summary="x",
            )
            ProviderFactory()

    counts = []
    for n in (1, 10):
        fill(n)
        client.force_login(partner)
        with django_assert_max_num_queries(8) as handovers:
            assert client.get(reverse("meetings:handover_queue")).status_code == 200
        client.force_login(supporter)
        with django_assert_max_num_queries(10) as contacts:
            assert client.get(reverse("meetings:contact_moments")).status_code == 200
        counts.append((len(handovers.captured_queries), len(contacts.captured_queries)))
    assert counts[0] == counts[1]


def test_assign_to_me_refused_on_the_board_gives_htmx_the_row_with_the_message(
    client, desk, supporter
):
    request = make_request(desk)
    services.support_request_transition(request=request, to="rejected", by=supporter)
    client.force_login(supporter)
    response = client.post(action(request, "assign-me"), HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    content = response.content.decode()
    assert content.startswith(f'<tr id="row-{request.pk}">')
    assert 'role="alert"' in content
    assert "Een afgesloten vraag kan niet worden toegewezen." in content
    assert "HX-Request" in response["Vary"]
    request.refresh_from_db()
    assert request.assignee is None


def test_assign_to_me_refused_without_htmx_is_the_question_page_with_the_message(
    client, desk, supporter
):
    request = make_request(desk)
    services.support_request_transition(request=request, to="rejected", by=supporter)
    client.force_login(supporter)
    response = client.post(action(request, "assign-me"))
    assert response.status_code == 400
    assert "Een afgesloten vraag kan niet worden toegewezen." in response.content.decode()
    request.refresh_from_db()
    assert request.assignee is None
