"""Demo POS offices: Utrecht in progress with an overdue step 3, Amersfoort just registered,
Zeist after its introduction call, Amsterdam officially started (GO, start meeting, three start
sessions, second plenary) and Rotterdam after a NO-GO with new kartrekkers; both step-3
decisions taken jointly by POS and the municipality's policy officer.

Dates are relative to today and in the order of the steps, so the Utrecht office always has an
overdue step and no step is held before its office registered. Idempotent: an
office that exists is left alone. After the demo commits, one deadline sweep is queued, so the
worker of `make run` sends the Utrecht escalation (once) as soon as it starts.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from providers.constants import ProviderKind
from sportloket.constants import Role
from sportloket.models import Municipality
from sportloket.services import staff_create

from . import services
from .constants import Decision, MemberKind, SessionTopic, StepCode
from .decisions.services import decision_confirm, decision_propose
from .models import PosOffice, YearPlan
from .selectors import next_action, open_step
from .tasks import sweep_deadlines

logger = logging.getLogger(__name__)

# Utrecht, Amersfoort, Zeist, Amsterdam, Rotterdam.
DEMO_MUNICIPALITIES = ("GM0344", "GM0307", "GM0355", "GM0363", "GM0599")
# The office that is officially started and so holds the meetings of the programme.
STARTED_OFFICE = "GM0363"


def _queue_sweep() -> None:
    """Publish one sweep after the demo commits; the worker of `make run` picks it up."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {})
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        # The file broker needs its folder before the first message (fresh checkout).
        for key in ("data_folder_in", "processed_folder"):
            Path(options[key]).mkdir(parents=True, exist_ok=True)
    try:
        sweep_deadlines.delay()
    except Exception as exc:  # noqa: BLE001 - beat runs the sweep every 15 minutes anyway
        logger.warning("Could not queue the POS deadline sweep: %s", exc)


def _office(municipality: Municipality, registered_on: dt.date, contact: str) -> PosOffice:
    office = PosOffice.objects.create(
        municipality=municipality,
        name=f"POS-kantoor {municipality.name}",
        registered_on=registered_on,
        contact_name=contact,
        contact_email=f"sport@{municipality.name.lower().replace(' ', '')}.example",
    )
    services._create_steps(office=office, registered_on=registered_on)
    services._refresh_office(office)
    return office


def _complete(office, code, on, user, note="", planned_on=None):
    services.step_complete(
        step=open_step(office=office, code=code),
        on=on,
        by=user,
        evidence_note=note,
        planned_on=planned_on,
    )


def policy_officer_username(municipality: Municipality) -> str:
    return f"beleid-{municipality.name.lower().replace(' ', '')}"


def _policy_officer(municipality: Municipality, first: str, last: str):
    """The municipality's side of the joint step-3 decision: a policy officer of that
    municipality (no password: a demo person who decides, not a demo login)."""
    username = policy_officer_username(municipality)
    user = get_user_model().objects.filter(username=username).first()
    if user is not None:
        return user
    return staff_create(
        username=username,
        email=f"{username}@sportloket.example",
        password=None,
        role=Role.POLICY_STAFF,
        first_name=first,
        last_name=last,
        municipality=municipality,
    ).user


def _decide(office, decision: str, on: dt.date, pos, municipal) -> None:
    """Step 3 as the handreiking has it, a joint decision (seed 000 §6 stap 3: "Deze lokale
    kerngroep en POS besluiten gezamenlijk of er een startbijeenkomst met ondersteuning
    komt"): POS records it, the municipality's policy officer confirms it."""
    proposal = decision_propose(
        office=office,
        by=pos,
        decision=decision,
        decided_on=on,
        conditions_reason=(
            "Kerngroep en gemeente starten; de ontbrekende voorwaarden volgen in het eerste jaar."
            if decision == Decision.GO
            else ""
        ),
    )
    decision_confirm(proposal=proposal, by=municipal)


# Days ago of each step; "3" is the joint decision, "5" the three start sessions (their days).
ADVANCED = {"2a": 415, "2b": 400, "3": 340, "4": 300, "5": (270, 240, 210), "6": 150}
SESSION_TOPICS = (
    SessionTopic.SHORT_TERM_GOALS,
    SessionTopic.STAKEHOLDER_ANALYSIS,
    SessionTopic.COOPERATION_AGREEMENTS,
)


def _amsterdam(today: dt.date, pos) -> PosOffice:
    """Amsterdam: GO confirmed by both sides, start meeting, the three start sessions and the
    second plenary meeting held: officially started, so its meetings programme runs (seed 000
    §5: the meetings are "ingedeeld vanaf het moment dat de kerngroep drie visie-werksessies
    heeft doorlopen")."""
    municipality = Municipality.objects.get(cbs_code=STARTED_OFFICE)
    officer = _policy_officer(municipality, "Noor", "Visser")
    office = _office(municipality, today - dt.timedelta(days=420), "Noor Visser")

    def ago(days: int) -> dt.date:
        return today - dt.timedelta(days=days)

    _complete(office, StepCode.INTRO_SCHEDULED, ago(ADVANCED["2a"]), pos)
    _complete(office, StepCode.INTRO_HELD, ago(ADVANCED["2b"]), pos, planned_on=ago(ADVANCED["2a"]))
    _decide(office, Decision.GO, ago(ADVANCED["3"]), pos, officer)
    _complete(
        office,
        StepCode.START_MEETING,
        ago(ADVANCED["4"]),
        pos,
        "Startbijeenkomst met 24 ondernemers.",
        planned_on=ago(ADVANCED["3"]),
    )
    for number, (days, topic) in enumerate(zip(ADVANCED["5"], SESSION_TOPICS, strict=True), 1):
        services.start_session_record(
            office=office, number=number, topic=topic, held_on=ago(days), by=pos
        )
    _complete(
        office,
        StepCode.SECOND_PLENARY,
        ago(ADVANCED["6"]),
        pos,
        "Tweede plenaire bijeenkomst: het POS-kantoor is officieel gestart.",
        planned_on=ago(ADVANCED["5"][-1]),
    )
    return office


def load(out, context: dict) -> dict:
    today = timezone.localdate()
    users = context.get("users", {})
    pos, beleid = users.get("pos"), users.get("beleid")
    utrecht = context["municipality"]
    created = []
    if not PosOffice.objects.filter(municipality=utrecht).exists():
        office = _office(utrecht, today - dt.timedelta(days=120), "Ahmed El Amrani")
        _complete(
            office,
            StepCode.INTRO_SCHEDULED,
            today - dt.timedelta(days=112),
            pos,
            "Kennismaking ingepland via Teams.",
        )
        _complete(
            office,
            StepCode.INTRO_HELD,
            today - dt.timedelta(days=100),
            pos,
            "Kennismakingsgesprek gevoerd; gemeente gaat aan de slag met de basisvoorwaarden.",
        )
        # Step 3 (kartrekkers meeting) was due 2 months after the call: now overdue.
        entrepreneurs = [
            p for p in context.get("providers", []) if p.kind == ProviderKind.ENTREPRENEUR
        ]
        services.core_member_add(
            office=office,
            by=beleid,
            data={
                "name": "Ahmed El Amrani",
                "kind": MemberKind.MUNICIPALITY,
                "email": "beleid@sportloket.example",
                "hours_per_week": Decimal("4"),
                "committed_from": today - dt.timedelta(days=90),
                "committed_until": today + dt.timedelta(days=800),
            },
        )
        for provider, hours in zip(entrepreneurs[:2], (Decimal("2"), Decimal("1.5")), strict=False):
            services.core_member_add(
                office=office,
                by=beleid,
                data={
                    "name": provider.contact_name or provider.name,
                    "kind": MemberKind.ENTREPRENEUR,
                    "provider": provider,
                    "email": provider.email,
                    "hours_per_week": hours,
                    "committed_from": today - dt.timedelta(days=60),
                    "committed_until": today + dt.timedelta(days=760),
                },
            )
        created.append(office)

    others = [
        ("GM0307", 5, []),  # Amersfoort: just registered
        ("GM0355", 40, [(StepCode.INTRO_SCHEDULED, 35), (StepCode.INTRO_HELD, 20)]),  # Zeist
    ]
    for cbs_code, age, steps in others:
        municipality = Municipality.objects.get(cbs_code=cbs_code)
        if PosOffice.objects.filter(municipality=municipality).exists():
            continue
        office = _office(municipality, today - dt.timedelta(days=age), "Contactpersoon sport")
        for code, days_ago in steps:
            _complete(office, code, today - dt.timedelta(days=days_ago), pos)
        created.append(office)
    if not PosOffice.objects.filter(municipality__cbs_code=STARTED_OFFICE).exists():
        created.append(_amsterdam(today, pos))
    rotterdam = Municipality.objects.get(cbs_code="GM0599")
    if not PosOffice.objects.filter(municipality=rotterdam).exists():
        # NO-GO with new kartrekkers, taken jointly: step 3 starts again with a new deadline.
        office = _office(rotterdam, today - dt.timedelta(days=150), "Contactpersoon sport")
        _complete(office, StepCode.INTRO_SCHEDULED, today - dt.timedelta(days=145), pos)
        _complete(office, StepCode.INTRO_HELD, today - dt.timedelta(days=130), pos)
        officer = _policy_officer(rotterdam, "Daan", "de Graaf")
        _decide(office, Decision.NO_GO_NEW_KARTREKKERS, today - dt.timedelta(days=70), pos, officer)
        created.append(office)
    _demo_year_plan(utrecht, beleid, today)
    _public_faces(beleid)
    transaction.on_commit(_queue_sweep)
    out.write(summary_line(utrecht=utrecht, created=len(created)))
    out.write(public_line())
    return {"pos_offices": created}


# The offices' public face (seed 000 §4: "POS-kantoor op de website van POS", "Agenda en
# contactpersoon op de website van POS"), switched on by each municipality's policy officer,
# who records that the contact person agreed. Utrecht (the demo municipality, its officer the
# demo login "beleid") holds no meetings before its start sessions (seed 000 §5: meetings are
# "ingedeeld vanaf het moment dat de kerngroep drie visie-werksessies heeft doorlopen"), so
# Amsterdam, whose programme runs, is public too: its page and the API show coming meetings.
PUBLIC_FACES = {
    "GM0344": ("Sanne de Vries", "sanne.devries@utrecht.example", "030 123 45 67"),
    STARTED_OFFICE: ("Jesse Bakker", "pos@amsterdam.example", ""),
}


def _public_faces(beleid) -> None:
    """Switch the public face on once: an office already public, or with a recorded consent,
    is left as its policy officer set it."""
    offices = (
        PosOffice.objects.filter(municipality__cbs_code__in=PUBLIC_FACES)
        .exclude(status="stopped")
        .select_related("municipality")
    )
    for office in offices:
        if office.is_public or office.public_contact_consent_at is not None:
            continue
        if beleid is not None and office.municipality_id == beleid.staff_profile.municipality_id:
            officer = beleid
        else:
            officer = (
                get_user_model()
                .objects.filter(username=policy_officer_username(office.municipality))
                .first()
            )
        if officer is None:
            continue
        name, email, phone = PUBLIC_FACES[office.municipality.cbs_code]
        services.office_public_face_update(
            office=office,
            by=officer,
            data={
                "is_public": True,
                "public_contact_name": name,
                "public_contact_email": email,
                "public_contact_phone": phone,
                "contact_consent": True,
            },
        )


def public_line() -> str:
    """Which demo offices are public (true on every run)."""
    public = PosOffice.objects.filter(
        municipality__cbs_code__in=DEMO_MUNICIPALITIES, is_public=True
    ).exclude(status="stopped")
    names = ", ".join(office.municipality.name for office in public.select_related("municipality"))
    return f"{public.count()} demo POS offices public ({names or 'none'}): /pos-kantoren/kaart/"


def summary_line(*, utrecht: Municipality, created: int) -> str:
    """What exists after the demo ran, true on every run: the demo offices, how many of them
    this run created, and whether Utrecht's office has an overdue step now."""
    offices = PosOffice.objects.filter(municipality__cbs_code__in=DEMO_MUNICIPALITIES)
    office = offices.filter(municipality=utrecht).first()
    action = next_action(office) if office is not None else None
    if action is not None and action.state == "overdue":
        utrecht_state = f"Utrecht has an overdue step {action.step.code}"
    else:
        utrecht_state = "Utrecht has no overdue step"
    return f"{offices.count()} demo POS offices, {created} new this run ({utrecht_state})."


def _demo_year_plan(municipality: Municipality, by, today: dt.date) -> None:
    """Utrecht's year plan of this year (saving unchanged content again changes nothing)."""
    office = PosOffice.objects.exclude(status="stopped").filter(municipality=municipality).first()
    if office is None or YearPlan.objects.filter(office=office, year=today.year).exists():
        return
    services.year_plan_save(
        office=office,
        year=today.year,
        data={
            "short_term_goals": "Drie netwerkbijeenkomsten, waarvan één met het sociaal domein.",
            "long_term_vision": "Eén aanspreekpunt voor alle ondernemende sport in Utrecht.",
            "stakeholder_analysis": "Gemeente, sportbedrijf, welzijn, zorg en onderwijs.",
            "cooperation_agreements": "De kerngroep komt elk kwartaal bijeen.",
            "target_groups_note": "Ouderen en jongeren in kwetsbare wijken.",
            "budget_lines": [{"description": "Startbijeenkomst", "amount": "1250.00"}],
        },
        by=by,
    )
