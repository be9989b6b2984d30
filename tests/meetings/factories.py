"""Factories of the desk's support questions."""

from __future__ import annotations

import secrets

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from meetings.constants import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Channel, SupportStatus
from meetings.models import SupportRequest
from tests.factories import DeskFactory, ProviderFactory, municipality


class SupportRequestFactory(DjangoModelFactory):
    """A question straight in the database (no timeline); use services for behaviour tests."""

    class Meta:
        model = SupportRequest

    desk = factory.SubFactory(DeskFactory)
    provider = factory.SubFactory(ProviderFactory)
    municipality = factory.LazyFunction(municipality)
    subject = factory.Sequence(lambda n: f"Vraag {n}")
    question = "Hoe werven we vrijwilligers?"
    channel = Channel.FORM
    status = SupportStatus.NEW
    is_open = factory.LazyAttribute(lambda o: o.status in OPEN_STATUSES)
    clock_running = factory.LazyAttribute(lambda o: o.status in CLOCK_RUNNING_STATUSES)
    requester_name = "Kim de Boer"
    requester_email = factory.Sequence(lambda n: f"vrager{n}@example.org")
    public_token = factory.LazyFunction(lambda: secrets.token_urlsafe(32))
    deadline = factory.LazyFunction(timezone.localdate)
