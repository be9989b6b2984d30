"""Schemes are national: their text and link go out in the digest to every provider, so only
POS staff and administrators create or edit them. Club supporters read and share them; policy
staff do not manage subsidies at all."""

from __future__ import annotations

import pytest
from django.urls import reverse

from subsidies.models import Scheme
from tests.factories import ProviderFactory
from tests.subsidies.factories import SchemeFactory

pytestmark = pytest.mark.django_db

CREATE = reverse("subsidies:scheme_create")
PHISH = "https://phish.example/fonds"


def edit_url(scheme: Scheme) -> str:
    return reverse("subsidies:scheme_update", args=[scheme.pk])


def scheme_data(**overrides) -> dict:
    return {
        "name": "Jeugdfonds Sport",
        "funder": "Jeugdfonds",
        "link": "https://jeugdfonds.example/",
        "for_clubs": "on",
        "active": "on",
        **overrides,
    }


@pytest.mark.parametrize("role", ["club_supporter", "policy_staff"])
def test_others_may_neither_create_nor_edit_a_scheme(client, request, role):
    scheme = SchemeFactory(link="https://jeugdfonds.example/")
    client.force_login(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 403
    assert client.post(CREATE, scheme_data(name="Nep", link=PHISH)).status_code == 403
    assert client.get(edit_url(scheme)).status_code == 403
    response = client.post(edit_url(scheme), scheme_data(name=scheme.name, link=PHISH))
    assert response.status_code == 403
    scheme.refresh_from_db()
    assert scheme.link == "https://jeugdfonds.example/"
    assert not Scheme.objects.filter(name="Nep").exists()


@pytest.mark.parametrize("role", ["pos_staff", "administrator"])
def test_pos_staff_and_administrators_create_and_edit_schemes(client, request, role):
    client.force_login(request.getfixturevalue(role))
    assert client.get(CREATE).status_code == 200
    assert client.post(CREATE, scheme_data()).status_code == 302
    scheme = Scheme.objects.get(name="Jeugdfonds Sport")
    assert client.get(edit_url(scheme)).status_code == 200
    link = "https://jeugdfonds.example/aanvragen"
    assert client.post(edit_url(scheme), scheme_data(link=link)).status_code == 302
    scheme.refresh_from_db()
    assert scheme.link == link


def test_a_club_supporter_still_reads_and_shares_schemes_without_edit_buttons(
    client, club_supporter, pos_staff
):
    scheme = SchemeFactory()
    ProviderFactory()  # in the club supporter's area: something to share with
    client.force_login(club_supporter)
    listing = client.get(reverse("subsidies:scheme_list")).content.decode()
    detail = client.get(scheme.get_absolute_url()).content.decode()
    assert scheme.name in listing
    assert CREATE not in listing
    assert edit_url(scheme) not in detail
    assert 'name="all_matching"' in detail  # the share form is there
    client.force_login(pos_staff)
    assert CREATE in client.get(reverse("subsidies:scheme_list")).content.decode()
    assert edit_url(scheme) in client.get(scheme.get_absolute_url()).content.decode()
