"""Demo support questions in the demo desk, in various states, plus a few contact moments;
and the meetings of the demo office that is officially started: next year's programme planned,
plus a held meeting with attendance and an agreement.

Idempotent: questions are recognised by subject within the desk, meetings by programme item
(the programme skips what is planned) and by title.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from poskantoor import demo as pos_demo
from poskantoor.models import PosOffice
from sportloket.models import QuestionCategory, TargetGroup

from .models import ContactMoment, SupportRequest
from .programme import services as programme_services
from .support import services
from .support.constants import Channel, ContactChannel

# subject, provider index, channel, category slug-ish name fragment, what happens next
DEMO_QUESTIONS = [
    ("Hoe vinden we nieuwe vrijwilligers?", 3, Channel.FORM, "Vrijwilligers", "new"),
    ("Huur sporthal stijgt fors", 0, Channel.PHONE, "Accommodatie", "assigned"),
    ("Vertrouwenscontactpersoon aanstellen", 2, Channel.EMAIL, "Sociale veiligheid", "handover"),
    ("Aanbod voor ouderen met weinig geld", 5, Channel.VISIT, "Kwetsbare", "accepted"),
    ("Subsidie voor nieuwe materialen", 1, Channel.SPORT_PLATFORM, "Subsidies", "waiting"),
    ("Contributie innen via de app", 4, Channel.FORM, "Financiën", "resolved"),
]


def load(out, context: dict) -> dict:
    desk = context["desk"]
    users = context["users"]
    providers = context.get("providers") or []
    organisations = context["organisations"]
    if not providers:
        out.write("No demo providers; skipping demo support questions.")
        return {}
    supporter, partner = users["clubondersteuner"], users["partner"]
    created = 0
    for subject, index, channel, category_name, state in DEMO_QUESTIONS:
        if SupportRequest.objects.filter(desk=desk, subject=subject).exists():
            continue
        provider = providers[index % len(providers)]
        category = QuestionCategory.objects.filter(name__icontains=category_name).first()
        request = services.support_request_create(
            desk=desk,
            provider=provider,
            subject=subject,
            question=f"{subject} Kunnen jullie ons hiermee helpen?",
            channel=channel,
            category=category,
            by=None if channel == Channel.FORM else supporter,
        )
        created += 1
        if state == "new":
            continue
        services.support_request_assign(request=request, assignee=supporter, by=supporter)
        if state in ("handover", "accepted"):
            handover = services.handover_create(
                request=request,
                organisation=organisations["welzijn"],
                note="Graag contact opnemen; de aanbieder wil dit jaar nog starten.",
                by=supporter,
            )
            if state == "accepted":
                services.handover_accept(handover=handover, by=partner)
        elif state == "waiting":
            services.support_request_message(
                request=request,
                text="Welke materialen wilt u aanschaffen, en voor welk bedrag?",
                public=True,
                by=supporter,
            )
            services.support_request_transition(request=request, to="waiting", by=supporter)
        elif state == "resolved":
            services.support_request_message(
                request=request, text="Gebeld; zie notitie.", public=False, by=supporter
            )
            services.support_request_transition(request=request, to="resolved", by=supporter)
    if providers and not ContactMoment.objects.filter(desk=desk).exists():
        services.contact_moment_record(
            provider=providers[0],
            desk=desk,
            staff=supporter,
            date=timezone.localdate() - dt.timedelta(days=30),
            channel=ContactChannel.VISIT,
            summary="Jaarlijks bezoek: ledenwerving en sociale veiligheid besproken.",
        )
    services.desk_stats_refresh(desk=desk)
    total = SupportRequest.objects.filter(
        desk=desk, subject__in=[row[0] for row in DEMO_QUESTIONS]
    ).count()
    out.write(f"{total} demo support questions in {desk}, {created} new this run.")
    _load_meetings(out, context)
    return {}


HELD_TITLE = "Sportcafé: bewegen voor ouderen"


def _load_meetings(out, context: dict) -> None:
    """The meetings of the office that is officially started (``poskantoor.demo``: Amsterdam,
    step 6 held): a meeting held two weeks ago with its policy officer, the social domain and
    two entrepreneurs present, and an agreement; and year 1 of the programme planned for next
    year, so every planned meeting lies ahead and every meeting after the office's start."""
    office = (
        PosOffice.objects.filter(municipality__cbs_code=pos_demo.STARTED_OFFICE)
        .exclude(status="stopped")
        .first()
    )
    if office is None:
        return
    users, organisations = context["users"], context["organisations"]
    pos = users["pos"]
    officer = (
        get_user_model()
        .objects.filter(username=pos_demo.policy_officer_username(office.municipality))
        .first()
    )
    planned = programme_services.programme_generate(
        office=office,
        programme="year_1",
        year=timezone.localdate().year + 1,
        include_optional=False,
        by=pos,
    )
    if office.meetings.filter(title=HELD_TITLE).exists():
        out.write(
            f"{office.meetings.count()} demo meetings of {office}, {len(planned)} new this run."
        )
        return
    starts_at = timezone.now().replace(hour=18, minute=0, second=0, microsecond=0) - dt.timedelta(
        days=14
    )
    meeting = programme_services.meeting_create(
        office=office,
        by=pos,
        data={
            "kind": "sport_cafe",
            "title": HELD_TITLE,
            "starts_at": starts_at,
            "ends_at": starts_at + dt.timedelta(hours=2),
            "location": "Sportcentrum Zuid, Amsterdam",
            "agenda": "1. Welkom\n2. Aanbod voor ouderen\n3. Afspraken",
            "goals": "Samen meer ouderen in beweging krijgen.",
        },
    )
    people = [
        {"organisation": organisations["welzijn"], "name": "Karin Welzijn", "email": ""},
    ]
    if officer is not None:
        people.insert(0, {"user": officer, "name": "", "email": ""})
    entrepreneurs = [p for p in context.get("providers") or [] if p.kind == "entrepreneur"]
    people += [{"provider": p, "name": "", "email": ""} for p in entrepreneurs[:2]]
    for data in people:
        programme_services.attendee_add(meeting=meeting, data=data, by=pos)
    programme_services.attendance_set(
        meeting=meeting,
        present_ids=set(meeting.attendees.values_list("pk", flat=True)),
        by=pos,
    )
    programme_services.meeting_record_held(meeting=meeting, by=pos)
    programme_services.agreement_add(
        meeting=meeting,
        by=pos,
        data={
            "kind": "project",
            "description": "Proefles 'bewegen voor ouderen' in twee wijken.",
            "target_group": TargetGroup.objects.filter(name__icontains="oud").first(),
            "theme": None,
            "owner_name": "Karin Welzijn",
            "owner_email": "",
            "due_on": timezone.localdate() + dt.timedelta(days=30),
        },
    )
    out.write(f"{len(planned)} demo meetings planned and one held meeting for {office}.")
