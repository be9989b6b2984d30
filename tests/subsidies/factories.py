from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from sportloket.models import TargetGroup, Theme
from subsidies.constants import BudgetKind
from subsidies.models import Budget, Scheme
from tests.factories import DeskFactory


def target_group(slug: str) -> TargetGroup:
    return TargetGroup.objects.get(slug=slug)


def theme(slug: str) -> Theme:
    return Theme.objects.get(slug=slug)


class SchemeFactory(DjangoModelFactory):
    """An open scheme for every kind, target group and theme unless told otherwise."""

    class Meta:
        model = Scheme
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Regeling {n}")
    funder = "Fonds Test"
    link = "https://fonds.example/"
    for_clubs = True
    for_entrepreneurs = True
    for_other = True

    @factory.post_generation
    def target_groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.target_groups.set([target_group(s) for s in extracted])

    @factory.post_generation
    def themes(self, create, extracted, **kwargs):
        if create and extracted:
            self.themes.set([theme(s) for s in extracted])


class BudgetFactory(DjangoModelFactory):
    class Meta:
        model = Budget

    desk = factory.SubFactory(DeskFactory)
    year = 2026
    kind = BudgetKind.EXECUTION
    name = factory.Sequence(lambda n: f"Budget {n}")
    total = Decimal("1000.00")
