"""Factories of the POS-office app: offices with their step rows, core group members."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from poskantoor import services
from poskantoor.constants import MemberKind
from poskantoor.models import CoreGroupMember, PosOffice
from tests.factories import ProviderFactory, municipality


def make_office(
    cbs_code: str = "GM0344", registered_on: dt.date = dt.date(2026, 1, 31), **kwargs
) -> PosOffice:
    """An office as confirmation creates it: step 1 done on ``registered_on``, 2a/2b due."""
    office = PosOffice.objects.create(
        municipality=municipality(cbs_code),
        name=f"POS-kantoor {cbs_code}",
        registered_on=registered_on,
        contact_email="contact@gemeente.example",
        **kwargs,
    )
    services._create_steps(office=office, registered_on=registered_on)
    services._refresh_office(office)
    return office


class CoreGroupMemberFactory(DjangoModelFactory):
    class Meta:
        model = CoreGroupMember

    office = None
    name = factory.Sequence(lambda n: f"Lid {n}")
    kind = MemberKind.ENTREPRENEUR
    provider = factory.SubFactory(ProviderFactory)
    hours_per_week = Decimal("2")
    committed_from = dt.date(2026, 1, 1)
    committed_until = dt.date(2028, 1, 1)

    class Params:
        professional = factory.Trait(kind=MemberKind.MUNICIPALITY, provider=None)
