"""Factories of the desk's support questions."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from meetings.models import Meeting, SupportRequest
from meetings.programme.constants import MeetingKind, MeetingStatus
from meetings.support.constants import (
    CLOCK_RUNNING_STATUSES,
    OPEN_STATUSES,
    Channel,
    SupportStatus,
)
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


# --- Meetings (POS programme) ----------------------------------------------------------------


def amsterdam(*args) -> dt.datetime:
    """An aware datetime in Amsterdam time: ``amsterdam(2025, 3, 4, 19, 30)``."""
    return dt.datetime(*args, tzinfo=ZoneInfo("Europe/Amsterdam"))


class MeetingFactory(DjangoModelFactory):
    """A meeting straight in the database; pass ``office=`` or ``desk=``."""

    class Meta:
        model = Meeting

    office = None
    desk = None
    kind = MeetingKind.FOLLOW_UP
    title = factory.Sequence(lambda n: f"Bijeenkomst {n}")
    starts_at = factory.LazyFunction(lambda: amsterdam(2025, 3, 4, 19, 30))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(hours=2))
    location = "Sporthal De Kroon"
    status = MeetingStatus.PLANNED

    class Params:
        held = factory.Trait(status=MeetingStatus.HELD)
