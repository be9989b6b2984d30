"""Demo POS offices: Utrecht in progress with an overdue step, and a few others.

Dates are relative to today, so the Utrecht office always has an overdue step. Idempotent: an
office that exists is left alone. After the demo commits, one deadline sweep is queued, so the
worker of `make run` sends the Utrecht escalation (once) as soon as it starts.
"""

from __future__ import annotations

import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from providers.constants import ProviderKind
from sportloket.models import Municipality

from . import services
from .constants import Decision, MemberKind, SessionTopic, StepCode
from .models import PosOffice, YearPlan
from .selectors import open_step
from .tasks import sweep_deadlines

logger = logging.getLogger(__name__)


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


def _complete(office, code, on, user, note="", decision="", reason=""):
    services.step_complete(
        step=open_step(office=office, code=code),
        on=on,
        by=user,
        evidence_note=note,
        decision=decision,
        stop_reason=reason,
    )


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
        (
            "GM0363",  # Amsterdam: in the start sessions
            330,
            [
                (StepCode.INTRO_SCHEDULED, 325),
                (StepCode.INTRO_HELD, 310),
                (StepCode.KARTREKKERS, 260),
                (StepCode.START_MEETING, 100),
            ],
        ),
        (
            "GM0599",  # Rotterdam: NO-GO, new kartrekkers
            150,
            [
                (StepCode.INTRO_SCHEDULED, 145),
                (StepCode.INTRO_HELD, 130),
                (StepCode.KARTREKKERS, 70),
            ],
        ),
    ]
    for cbs_code, age, steps in others:
        municipality = Municipality.objects.get(cbs_code=cbs_code)
        if PosOffice.objects.filter(municipality=municipality).exists():
            continue
        office = _office(municipality, today - dt.timedelta(days=age), "Contactpersoon sport")
        for code, days_ago in steps:
            decision = ""
            if code == StepCode.KARTREKKERS:
                decision = Decision.NO_GO_NEW_KARTREKKERS if cbs_code == "GM0599" else Decision.GO
            _complete(office, code, today - dt.timedelta(days=days_ago), pos, decision=decision)
        if cbs_code == "GM0363":
            services.start_session_record(
                office=office,
                number=1,
                topic=SessionTopic.SHORT_TERM_GOALS,
                held_on=today - dt.timedelta(days=60),
                by=pos,
            )
        created.append(office)
    _demo_year_plan(utrecht, beleid, today)
    transaction.on_commit(_queue_sweep)
    out.write(f"{len(created)} demo POS offices (Utrecht has an overdue step).")
    return {"pos_offices": created}


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
