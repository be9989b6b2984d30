"""API tokens in the admin: made with the key shown once, listed with their last use,
revoked by an action."""

from __future__ import annotations

import pytest

from api.models import ApiToken
from api.services import key_hash
from tests.factories import StaffProfileFactory

pytestmark = pytest.mark.django_db


def test_the_admin_makes_a_token_shows_the_key_once_and_revokes_it(client, administrator):
    kim = StaffProfileFactory(club_supporter=True, user__username="kim").user
    client.force_login(administrator)
    response = client.post(
        "/beheer/api/apitoken/add/",
        {"organisation": kim.staff_profile.organisation_id, "user": kim.pk, "name": "Website"},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    page = response.content.decode()
    key = page.split('id="api-key" type="text" readonly size="80" value="')[1].split('"')[0]
    assert token.key_hash == key_hash(key)
    listing = client.get("/beheer/api/apitoken/").content.decode()
    assert token.prefix in listing
    assert key not in listing
    assert key not in client.get(f"/beheer/api/apitoken/{token.pk}/change/").content.decode()
    client.post(
        "/beheer/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert (
        client.get("/api/v1/questions/", headers={"Authorization": f"Bearer {key}"}).status_code
        == 401
    )


def test_the_admin_refuses_an_account_of_another_organisation(client, administrator):
    kim = StaffProfileFactory(club_supporter=True).user
    other = StaffProfileFactory(club_supporter=True).user
    client.force_login(administrator)
    response = client.post(
        "/beheer/api/apitoken/add/",
        {"organisation": other.staff_profile.organisation_id, "user": kim.pk, "name": "Website"},
    )
    assert response.status_code == 200
    assert "eigen organisatie" in response.content.decode()
    assert not ApiToken.objects.exists()
