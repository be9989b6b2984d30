"""The API's permission matrix: every API route × anonymous, each role (by API token), and
staff of another desk/municipality → the expected status. Another municipality's object is a
404, as on the pages. A route missing here fails ``test_every_api_route_is_in_the_matrix``."""

from __future__ import annotations

import pytest
from django.db import transaction

from api.services import api_token_create
from sportloket.models import Organisation
from tests.hardening.world import routes

CLUB, POLICY, POS, ADMIN = "club_supporter", "policy_staff", "pos_staff", "administrator"
PUBLIC = "public"
READERS = (CLUB, POLICY, POS)
DESK = (CLUB,)
DESK_READERS = (CLUB, POLICY)
EDITORS = (CLUB, POS)


def expected(roles, actor: str, *, ok: int, scoped: bool, overrides: dict) -> int:
    if actor in overrides:
        return overrides[actor]
    if roles == PUBLIC:
        return ok
    if actor == "anonymous":
        return 401
    role = actor.removeprefix("other_")
    if role not in roles and role != ADMIN:
        return 403
    if actor.startswith("other_") and scoped:
        return 404
    return ok


# route -> (method, roles, ok status, scoped, overrides)
MATRIX = {
    "api/v1/schema/": ("get", PUBLIC, 200, False, {}),
    "api/v1/docs/": ("get", PUBLIC, 200, False, {}),
    "api/v1/public/desks/": ("get", PUBLIC, 200, False, {}),
    "api/v1/public/pos-offices/": ("get", PUBLIC, 200, False, {}),
    # The world's office chose to be public (its page answers too).
    "api/v1/public/pos-offices/<slug:slug>/": ("get", PUBLIC, 200, False, {}),
    "api/v1/public/schemes/": ("get", PUBLIC, 200, False, {}),
    "api/v1/questions/": ("get", DESK_READERS, 200, False, {}),
    "api/v1/questions/<int:pk>/": ("get", DESK_READERS, 200, True, {}),
    # An empty body passes the permission layer; the page's form then refuses it (400).
    "api/v1/questions/<int:pk>/status/": ("post", DESK, 400, True, {}),
    "api/v1/questions/<int:pk>/handover/": ("post", DESK, 400, True, {}),
    "api/v1/providers/": ("get", READERS, 200, False, {}),
    "api/v1/providers/<int:pk>/": ("get", READERS, 200, True, {}),
    "api/v1/providers/<int:pk>/eligibility/": ("get", READERS, 200, True, {}),
    "api/v1/pos-offices/": ("get", READERS, 200, False, {}),
    "api/v1/pos-offices/<int:pk>/": ("get", READERS, 200, True, {}),
    "api/v1/monitoring/<int:year>/": ("get", (POLICY, POS), 200, False, {}),
    "api/v1/^": ("get", PUBLIC, 404, False, {}),
}
WRITES = {
    # Creating with an empty body: role check first (403), then the form (400); an
    # administrator has no desk to file a question at (404, as on the page).
    "api/v1/questions/": ("post", DESK, 400, False, {ADMIN: 404}),
    "api/v1/providers/": ("post", EDITORS, 400, False, {}),
    "api/v1/providers/<int:pk>/": ("patch", EDITORS, 200, True, {}),
}
API_ROUTES = [r for r in routes() if r.startswith("api/")]


def test_every_api_route_is_in_the_matrix():
    assert sorted(API_ROUTES) == sorted(MATRIX)


def url_of(world, route: str) -> str:
    k = world.kwargs
    pk = {
        "questions": k["request"].pk,
        "providers": k["provider"].pk,
        "pos-offices": k["office"].pk,
    }
    path = route.replace("^", "does-not-exist/")
    for prefix, value in pk.items():
        if path.startswith(f"api/v1/{prefix}/"):
            path = path.replace("<int:pk>", str(value))
    return "/" + path.replace("<int:year>", "2026").replace("<slug:slug>", "utrecht")


def tokens(world) -> dict[str, str | None]:
    keys = {}
    for actor, user in world.users.items():
        if user is None:
            keys[actor] = None
            continue
        profile = user.staff_profile
        if profile.organisation_id is None:
            profile.organisation = Organisation.objects.create(name=f"Org {actor}", type="pos")
            profile.save()
        keys[actor] = api_token_create(
            organisation=profile.organisation, user=user, name=actor, by=None
        )[1]
    return keys


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("route", "rule"), [*MATRIX.items(), *WRITES.items()], ids=lambda v: str(v)[:40]
)
def test_api_permission_matrix(client, route, rule, world):
    method, roles, ok, scoped, overrides = rule
    keys = tokens(world)
    url = url_of(world, route)
    failures = []
    for actor, key in keys.items():
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        with transaction.atomic():
            response = (
                getattr(client, method)(
                    url, data={}, content_type="application/json", headers=headers
                )
                if method != "get"
                else client.get(url, headers=headers)
            )
            transaction.set_rollback(True)
        want = expected(roles, actor, ok=ok, scoped=scoped, overrides=overrides)
        if response.status_code != want:
            failures.append(f"{actor}: {response.status_code}, expected {want}")
        elif response.status_code >= 400:
            assert response.json()["detail"], f"{actor}: a refusal without a message"
    assert not failures, f"{method.upper()} {url}: " + "; ".join(failures)
