"""Desks compared (POS staff), one desk's quality page and its network map, with 300 desks."""

import datetime as dt
import itertools

from django.test import Client

from bench.harness import Result, measure_view, refresh_statistics
from meetings.models import ContactMoment
from network.models import DeskCriterionTick
from providers.models import Provider
from sportloket.constants import OrganisationType, Role
from sportloket.models import (
    Desk,
    DeskPartner,
    Municipality,
    Organisation,
    OrganisationContact,
    StaffProfile,
)
from sportloket.services import staff_create

DESKS = 300
PROVIDERS = 6000
BATCH = 5000
PREFIX = "Bench-netwerk"


def _fill() -> None:
    Desk.objects.filter(name__startswith=PREFIX).delete()
    municipalities = list(Municipality.objects.order_by("pk")[:DESKS])
    desks = Desk.objects.bulk_create(
        [Desk(name=f"{PREFIX} {i:03}") for i in range(len(municipalities))]
    )
    Desk.municipalities.through.objects.bulk_create(
        [
            Desk.municipalities.through(desk_id=d.pk, municipality_id=m.pk)
            for d, m in zip(desks, municipalities, strict=True)
        ]
    )
    kinds = [
        OrganisationType.SPORT_PLATFORM,
        OrganisationType.MUNICIPALITY,
        OrganisationType.FEDERATION,
        OrganisationType.WELFARE,
        OrganisationType.CARE,
    ]
    organisations = Organisation.objects.bulk_create(
        [
            Organisation(name=f"{PREFIX} org {d.pk}-{k}", type=k, in_spn=(d.pk % 2 == 0))
            for d in desks
            for k in kinds
        ],
        batch_size=BATCH,
    )
    DeskPartner.objects.bulk_create(
        [
            DeskPartner(
                desk_id=desks[i // len(kinds)].pk,
                organisation=o,
                declaration_signed_on=dt.date(2025, 1, 1) if i % 7 else None,
            )
            for i, o in enumerate(organisations)
        ],
        batch_size=BATCH,
    )
    OrganisationContact.objects.bulk_create(
        [OrganisationContact(organisation=o, name=f"Contact {o.pk}") for o in organisations],
        batch_size=BATCH,
    )
    cycle = itertools.cycle(municipalities)
    providers = Provider.objects.bulk_create(
        [
            Provider(name=f"{PREFIX} aanbieder {i}", municipality=next(cycle), status="active")
            for i in range(PROVIDERS)
        ],
        batch_size=BATCH,
    )
    desk_of = {m.pk: d for d, m in zip(desks, municipalities, strict=True)}
    ContactMoment.objects.bulk_create(
        [
            ContactMoment(
                provider=p,
                desk=desk_of[p.municipality_id],
                date=dt.date.today() - dt.timedelta(days=i % 500),  # noqa: DTZ011
                channel="visit",
                summary="bezoek",
            )
            for i, p in enumerate(providers)
        ],
        batch_size=BATCH,
    )
    DeskCriterionTick.objects.bulk_create(
        [
            DeskCriterionTick(
                desk=d, criterion="working_area", evidence="x", ticked_on=dt.date(2026, 1, 1)
            )
            for d in desks[::3]
        ]
    )


def _user(username: str, role: Role, desk: Desk | None = None):
    profile = StaffProfile.objects.filter(user__username=username).first()
    if profile is None:
        profile = staff_create(
            username=username, email=f"{username}@example.org", password=None, role=role, desk=desk
        )
    return profile.user


def run(*, fill: bool) -> list[Result]:
    if fill or not Desk.objects.filter(name__startswith=PREFIX).exists():
        _fill()
        refresh_statistics()
    desk = Desk.objects.filter(name__startswith=PREFIX).order_by("pk").first()
    client = Client()
    client.force_login(_user("bench-network-pos", Role.POS_STAFF))
    data = f"{DESKS} desks, {PROVIDERS} providers"
    results = [Result("desks compared", data, *measure_view(client, "/loketten/"))]
    results.append(
        Result("desk quality page", data, *measure_view(client, f"/loket/{desk.pk}/kwaliteit/"))
    )
    results.append(
        Result(
            "network map, search",
            data,
            *measure_view(client, f"/loket/{desk.pk}/netwerk/?q=contact&domain=welfare"),
        )
    )
    return results
