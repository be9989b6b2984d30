"""Schemathesis, against the live schema served by the app (in-process WSGI): every operation
with generated inputs, as an administrator with an API token. No answer may be a server
error, and every answer must match the schema (status code, content type, body)."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
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


@pytest.fixture(autouse=True)
def _keep_the_test_transaction_open():
    """Schemathesis calls the WSGI application itself, which closes "old" database connections
    at every request's start and end — in a test, the one holding the test's transaction (on
    PostgreSQL; SQLite's in-memory database ignores it). Django's own test client disconnects
    that handler around each request for the same reason; so does this test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
