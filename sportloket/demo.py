"""Demo data of the core: organisations, a regional desk and one login per role, each enrolled
in two-step login with its authenticator key printed, so a newcomer logs in as staff really do.

Idempotent: running it again changes nothing (a key once made is kept). Demo passwords and keys
are for a local machine only.
"""

from __future__ import annotations

import datetime as dt
from base64 import b32encode

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from .constants import OrganisationType, Role
from .models import Desk, DeskPartner, Municipality, Organisation
from .services import audit_record, staff_create

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
        # The partners signed the desk's declaration about 21 months before today.
        signed_on = timezone.localdate() - dt.timedelta(days=640)
        desk.municipalities.set([utrecht, *neighbours])
        for key in ("gemeente", "sportbedrijf", "platform", "welzijn", "knvb"):
            DeskPartner.objects.create(
                desk=desk,
                organisation=orgs[key],
                declaration_signed_on=signed_on if key != "knvb" else None,
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
    for user in users.values():
        _enrol_app(user)
    for line in demo_logins():
        out.write(line)
    return {"desk": desk, "municipality": utrecht, "organisations": orgs, "users": users}


def _enrol_app(user: AbstractBaseUser) -> None:
    """Give a demo login a confirmed authenticator app with a new random key, unless it has
    one. The person's own enrolment (``two_factor_enrol``) needs a code from an app that
    scanned the key first; the demo prints the key instead, for the newcomer's app."""
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        return
    TOTPDevice.objects.create(user=user, name="app", key=random_hex(20), confirmed=True)
    audit_record(
        subject=user,
        actor=None,
        action="two_factor_enrolled",
        summary="authenticator app set up by the demo data (key printed on the console)",
    )


def app_key(device: TOTPDevice) -> str:
    """The key as an authenticator app (or ``oathtool -b``) takes it when typed in: base32."""
    return b32encode(device.bin_key).decode()


def demo_logins() -> list[str]:
    """The demo logins as they exist in the database now: user name, role, and the key of
    the authenticator app (a login without one says so). Printed by ``demo_data`` and again
    by ``demo_logins`` once the web server of ``make run`` answers."""
    devices = {
        device.user.username: device
        for device in TOTPDevice.objects.filter(
            user__username__in=[row[0] for row in DEMO_USERS], confirmed=True
        ).select_related("user")
    }
    existing = set(
        get_user_model()
        .objects.filter(username__in=[row[0] for row in DEMO_USERS])
        .values_list("username", flat=True)
    )
    lines = [
        f"Demo logins (password for all: {DEMO_PASSWORD}). Two-step login: type the key into an",
        "authenticator app (or run `oathtool --totp -b KEY`) and give its 6-digit code.",
    ]
    for username, role, *_ in DEMO_USERS:
        if username not in existing:
            continue
        device = devices.get(username)
        key = app_key(device) if device is not None else "no app: enrols at the first login"
        lines.append(f"  {username:18} {Role(role).label:28} {key}")
    return lines
