"""Demo providers in the demo desk's area, in various states of the social-safety basics."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sportloket.models import Sport, TargetGroup

from .constants import ProviderKind, ProviderSource, ProviderStatus, SafetyStatus
from .models import Provider

MET, BUSY, NOT = SafetyStatus.MET, SafetyStatus.IN_PROGRESS, SafetyStatus.NOT_MET

# name, kind, kvk, sports, target groups, (vog, vcp, code, qualification)
DEMO_PROVIDERS = [
    (
        "FitLab Kanaleneiland",
        ProviderKind.ENTREPRENEUR,
        "81234567",
        ["fitness", "bootcamp"],
        ["lage-ses-laag-inkomen", "ouderen"],
        (MET, MET, BUSY, MET),
    ),
    (
        "Dansschool Overvecht",
        ProviderKind.ENTREPRENEUR,
        "72345678",
        ["dans"],
        ["jeugd", "vrouwen-en-meiden"],
        (MET, BUSY, BUSY, MET),
    ),
    (
        "Padelcentrum De Uithof",
        ProviderKind.ENTREPRENEUR,
        "63456789",
        ["padel", "tennis"],
        ["inactieven"],
        (NOT, NOT, MET, MET),
    ),
    (
        "VV Hoograven",
        ProviderKind.CLUB,
        "40512345",
        ["voetbal"],
        ["jeugd", "mensen-met-een-migratieachtergrond"],
        (MET, MET, MET, MET),
    ),
    (
        "Zwemvereniging De Dolfijn",
        ProviderKind.CLUB,
        "40598765",
        ["zwemmen"],
        ["jeugd", "mensen-met-een-beperking"],
        (MET, NOT, MET, BUSY),
    ),
    (
        "Yoga aan de Vecht",
        ProviderKind.ENTREPRENEUR,
        "",
        ["yoga"],
        ["chronisch-zieken", "ouderen"],
        (BUSY, BUSY, BUSY, BUSY),
    ),
]


def load(out, context: dict) -> dict:
    municipality = context["municipality"]
    providers = []
    for i, (name, kind, kvk, sports, groups, basics) in enumerate(DEMO_PROVIDERS):
        vog, vcp, code, qual = basics
        provider, created = Provider.objects.get_or_create(
            name=name,
            municipality=municipality,
            defaults={
                "kind": kind,
                "kvk_number": kvk,
                "postcode": f"35{20 + i:02d} AB",
                "city": "Utrecht",
                "contact_name": "Contactpersoon " + name.split()[0],
                "email": f"info{i}@aanbieder.example",
                "status": ProviderStatus.ACTIVE,
                "source": ProviderSource.STAFF,
                "confirmed_at": timezone.now(),
                "participants": 40 + 25 * i,
                "vog_status": vog,
                "vcp_status": vcp,
                "code_of_conduct_status": code,
                "trainer_qualification_status": qual,
                "vog_date": timezone.localdate() - dt.timedelta(days=690) if vog == MET else None,
            },
        )
        if created:
            provider.sports.set(Sport.objects.filter(slug__in=sports))
            provider.target_groups.set(TargetGroup.objects.filter(slug__in=groups))
        providers.append(provider)
    out.write(f"{len(providers)} demo providers in {municipality}.")
    return {"providers": providers}
