"""Factories of the network feature: signals, coaches, goals and progress entries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from network.constants import SignalSource
from network.models import GoalProgress, NeighbourhoodSportCoach, Signal, SmartGoal
from sportloket.models import OrganisationContact, Theme
from tests.factories import DeskFactory, OrganisationFactory, municipality


class OrganisationContactFactory(DjangoModelFactory):
    class Meta:
        model = OrganisationContact

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    function = "buurtsportcoach"


class SignalFactory(DjangoModelFactory):
    class Meta:
        model = Signal

    desk = factory.SubFactory(DeskFactory)
    theme = factory.LazyFunction(lambda: Theme.objects.order_by("pk").first())
    description = "Vrijwilligers haken af"
    source = SignalSource.DESK
    recorded_on = dt.date(2026, 5, 1)


class CoachFactory(DjangoModelFactory):
    class Meta:
        model = NeighbourhoodSportCoach

    municipality = factory.LazyFunction(municipality)
    name = factory.Sequence(lambda n: f"Coach {n}")
    employer = "Sportbedrijf"
    hours_per_week = Decimal("24")
    neighbourhoods = "Lombok"


class GoalFactory(DjangoModelFactory):
    class Meta:
        model = SmartGoal

    coach = factory.SubFactory(CoachFactory)
    description = "Meer kinderen lid van een club"
    indicator = factory.Sequence(lambda n: f"Indicator {n}")
    baseline = Decimal("100")
    target_value = Decimal("150")
    agreed_on = dt.date(2026, 1, 15)
    deadline = dt.date(2026, 12, 31)
    measured_by = "Sportbedrijf"
    measure_every_months = 3


class ProgressFactory(DjangoModelFactory):
    class Meta:
        model = GoalProgress

    goal = factory.SubFactory(GoalFactory)
    measured_on = dt.date(2026, 3, 1)
    value = Decimal("110")
