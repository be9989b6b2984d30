"""Demo data of the core: organisations, a regional desk and one login per role.

Idempotent: running it again changes nothing. Demo passwords are for a local machine only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from .constants import OrganisationType, Role
from .models import Desk, DeskPartner, Municipality, Organisation
from .services import staff_create

DEMO_PASSWORD = "sportloket-demo"  # noqa: S105 - printed on purpose, local demo only

# username, role, first name, last name
DEMO_USERS = [
    ("clubondersteuner", Role.CLUB_SUPPORTER, "Sanne", "de Vries"),
    ("beleid", Role.POLICY_STAFF, "Ahmed", "El Amrani"),
    ("pos", Role.POS_STAFF, "Joost", "Bakker"),
    ("partner", Role.CLUB_SUPPORTER, "Femke", "Jansen"),
    ("beheer", Role.ADMINISTRATOR, "Beheerder", "Sportloket"),
]


def load(out, context: dict) -> dict:
    utrecht = Municipality.objects.get(cbs_code="GM0344")
    neighbours = Municipality.objects.filter(cbs_code__in=["GM0355", "GM0356", "GM0353"])
    orgs = {}
    for key, name, kind, muni, systems in [
        (
            "gemeente",
            "Gemeente Utrecht, afdeling Sport",
            OrganisationType.MUNICIPALITY,
            utrecht,
            {},
        ),
        (
            "sportbedrijf",
            "Sportbedrijf Utrecht",
            OrganisationType.SPORTBEDRIJF,
            utrecht,
            {"in_spn": True, "in_ask": True},
        ),
        ("platform", "Sportraad Utrecht", OrganisationType.SPORT_PLATFORM, utrecht, {}),
        ("welzijn", "Welzijn Utrecht-West", OrganisationType.WELFARE, utrecht, {}),
        ("knvb", "KNVB district West I", OrganisationType.FEDERATION, None, {"in_kss": True}),
        (
            "pos",
            "Platform Ondernemende Sportaanbieders",
            OrganisationType.POS,
            None,
            {"in_lab": True},
        ),
    ]:
        orgs[key], _ = Organisation.objects.get_or_create(
            name=name, defaults={"type": kind, "municipality": muni, **systems}
        )
    desk, created = Desk.objects.get_or_create(
        name="Sport- en beweegloket Utrecht", defaults={"email": "loket@sportloket.example"}
    )
    if created:
        desk.municipalities.set([utrecht, *neighbours])
        for key in ("gemeente", "sportbedrijf", "platform", "welzijn", "knvb"):
            DeskPartner.objects.create(
                desk=desk,
                organisation=orgs[key],
                declaration_signed_on=dt.date(2025, 3, 1) if key != "knvb" else None,
            )

    users = {}
    user_model = get_user_model()
    for username, role, first, last in DEMO_USERS:
        existing = user_model.objects.filter(username=username).first()
        if existing is not None:
            users[username] = existing
            continue
        profile = staff_create(
            username=username,
            email=f"{username}@sportloket.example",
            password=DEMO_PASSWORD,
            role=role,
            first_name=first,
            last_name=last,
            municipality=utrecht if role == Role.POLICY_STAFF else None,
            desk=desk if role == Role.CLUB_SUPPORTER else None,
            organisation={
                "clubondersteuner": orgs["sportbedrijf"],
                "beleid": orgs["gemeente"],
                "pos": orgs["pos"],
                "partner": orgs["welzijn"],
            }.get(username),
        )
        users[username] = profile.user
    if desk.coordinator_id is None:
        desk.coordinator = users["clubondersteuner"]
        desk.save(update_fields=["coordinator"])
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for username, role, *_ in DEMO_USERS:
        out.write(f"  {username:18} {Role(role).label}")
    return {"desk": desk, "municipality": utrecht, "organisations": orgs, "users": users}
