"""Demo support questions in the demo desk, in various states, plus a few contact moments.

Idempotent: questions are recognised by subject within the desk.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sportloket.models import QuestionCategory

from . import services
from .constants import Channel, ContactChannel
from .models import ContactMoment, SupportRequest

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
    out.write(f"{created} demo support questions in {desk}.")
    return {}
