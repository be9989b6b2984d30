"""Demo data of the local sport network: contacts, platform role, a tick, signals, a coach
with SMART goals. Idempotent: every record is looked up before it is created."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from sportloket.models import DeskPartner, OrganisationContact, TargetGroup, Theme

from .constants import Criterion, SignalSource
from .models import DeskCriterionTick, GoalProgress, NeighbourhoodSportCoach, Signal, SmartGoal

CONTACTS = {
    "welzijn": [("Fatima Ouali", "wijkverbinder"), ("Kees Smit", "jongerenwerker")],
    "sportbedrijf": [("Lotte Visser", "buurtsportcoach"), ("Mark de Boer", "beweegmakelaar")],
    "platform": [("Henk Mulder", "voorzitter sportraad")],
    "gemeente": [("Ahmed El Amrani", "beleidsmedewerker sport")],
}
THEMES = {
    "welzijn": ["Inclusie & diversiteit"],
    "sportbedrijf": ["Vaardig in bewegen", "Vitale sportaanbieders"],
    "platform": ["Vitale sportaanbieders"],
}


def load(out, context: dict) -> dict:
    desk = context["desk"]
    organisations = context["organisations"]
    users = context["users"]
    today = timezone.localdate()
    for key, people in CONTACTS.items():
        organisation = organisations[key]
        for name, function in people:
            OrganisationContact.objects.get_or_create(
                organisation=organisation,
                name=name,
                defaults={"function": function, "email": f"{name.split()[0].lower()}@example.org"},
            )
        organisation.themes.add(*Theme.objects.filter(name__in=THEMES.get(key, [])))
    DeskPartner.objects.filter(desk=desk, organisation=organisations["platform"]).update(
        platform_strategic=True, platform_coordinating=True
    )
    DeskCriterionTick.objects.get_or_create(
        desk=desk,
        criterion=Criterion.WORKING_AREA,
        defaults={
            "evidence": "Werkgebied afgestemd met KNVB en buurgemeenten (verslag van het overleg).",
            "ticked_on": today - dt.timedelta(days=570),
            "ticked_by": users["clubondersteuner"],
        },
    )
    theme = Theme.objects.filter(kind="signal").first() or Theme.objects.first()
    Signal.objects.get_or_create(
        desk=desk,
        theme=theme,
        description="Besturen van kleine clubs raken overbelast; vrijwilligers haken af.",
        defaults={
            "source": SignalSource.SPORT_PLATFORM,
            "recorded_on": today,
            "recorded_by": users["clubondersteuner"],
        },
    )
    coach, created = NeighbourhoodSportCoach.objects.get_or_create(
        municipality=context["municipality"],
        name="Lotte Visser",
        defaults={
            "employer": "Sportbedrijf Utrecht",
            "hours_per_week": Decimal("28"),
            "neighbourhoods": "Kanaleneiland, Lombok",
        },
    )
    if created:
        coach.target_groups.set(TargetGroup.objects.all()[:2])
        goal = SmartGoal.objects.create(
            coach=coach,
            description="Meer kinderen uit Kanaleneiland wekelijks lid van een sportclub.",
            indicator="Kinderen 6-12 jaar lid van een club",
            baseline=Decimal("120"),
            target_value=Decimal("180"),
            agreed_on=today - dt.timedelta(days=200),
            deadline=today + dt.timedelta(days=300),
            measured_by="Sportbedrijf Utrecht (ledenadministratie clubs)",
            measure_every_months=3,
            created_by=users["beleid"],
        )
        GoalProgress.objects.create(
            goal=goal,
            measured_on=today - dt.timedelta(days=150),
            value=Decimal("135"),
            recorded_by=users["beleid"],
        )
    out.write("Demo network: contacts, signals and a neighbourhood sport coach loaded.")
    return {}
