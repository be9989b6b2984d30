"""Schemathesis, against the live schema served by the app (in-process WSGI): every operation
with generated inputs, as an administrator with an API token. No answer may be a server
error, and every answer must match the schema (status code, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import api_token_create
from sportloket.wsgi import application
from tests.factories import OrganisationFactory
from tests.hardening.world import build_world

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def admin_key(db):
    world = build_world()
    admin = world.users["administrator"]
    profile = admin.staff_profile
    profile.organisation = OrganisationFactory()
    profile.save()
    _token, key = api_token_create(
        organisation=profile.organisation, user=admin, name="schemathesis", by=None
    )
    return key


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, admin_key, settings):
    settings.SPORTLOKET_SEARCH_RATE = 10**6
    settings.SPORTLOKET_EXPORT_RATE = 10**6
    case.call_and_validate(headers={"Authorization": f"Bearer {admin_key}"}, checks=CHECKS)
