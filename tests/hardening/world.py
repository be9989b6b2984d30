"""One small world with an object of every kind, shared by the permission matrix, the CSP
check and the accessibility checks: the URL of every route can be filled in from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from meetings.models import Agreement, Handover, PortalContact
from meetings.portal.services import portal_safety_claim_submit
from meetings.support.services import support_request_allocate
from network.news import services as news_services
from network.news.models import NewsSubscription, NewsUpdate
from poskantoor.models import DecisionProposal, YearPlan
from providers.constants import ImportMode
from providers.importing import import_job_run, import_job_start
from providers.services import confirmation_token
from sportloket.constants import Role
from sportloket.models import DeskPartner
from sportloket.tokens import make_token
from subsidies.services import UNSUBSCRIBE_PURPOSE
from tests.factories import (
    DeskFactory,
    OrganisationFactory,
    ProviderFactory,
    StaffProfileFactory,
    municipality,
)
from tests.meetings.factories import MeetingFactory, SupportRequestFactory
from tests.network.factories import CoachFactory
from tests.poskantoor.factories import CoreGroupMemberFactory, make_office
from tests.subsidies.factories import BudgetFactory, SchemeFactory


def routes() -> list[str]:
    """Every route of the URLconf as its full pattern, e.g. ``aanbieders/<int:pk>/``."""

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern)

    return list(dict.fromkeys(walk(get_resolver().url_patterns)))


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    kwargs: dict[str, object] = field(default_factory=dict)

    def url(self, route: str, **overrides) -> str:
        """Fill a route's converters in from the world's objects (``<int:pk>`` per route)."""
        values = {**self.route_values(route), **overrides}
        path = route
        for name, value in values.items():
            for converter in ("int", "str", "slug", "uuid", ""):
                token = f"<{converter}:{name}>" if converter else f"<{name}>"
                path = path.replace(token, str(value))
        assert "<" not in path, f"no value for a converter in {route}"
        return "/" + path

    def route_values(self, route: str) -> dict[str, object]:
        k = self.kwargs
        prefixes = (
            ("pos-lokaal/<int:pk>/bewerken/", k["news_draft"].pk),
            ("pos-lokaal/<int:pk>/voorbeeld/", k["news_draft"].pk),
            ("pos-lokaal/<int:pk>/versturen/", k["news_draft"].pk),
            ("pos-lokaal/", k["news_update"].pk),
            ("aanbieders/import/", k["import_job"].pk),
            ("aanbieders/", k["provider"].pk),
            ("pos-kantoren/", k["office"].pk),
            ("loket/hulpvragen/", k["request"].pk),
            ("portaal/hulpvragen/", k["request"].pk),
            ("portaal/veiligheid/bewijs/", k["safety_claim"].pk),
            ("loket/portaal/bewijs/", k["safety_claim"].pk),
            ("loket/portaal/", k["portal_contact"].pk),
            ("loket/overdrachten/", k["handover"].pk),
            ("bijeenkomsten/", k["meeting"].pk),
            ("afspraken/", k["agreement"].pk),
            ("loket/", k["desk"].pk),
            ("buurtsportcoaches/", k["coach"].pk),
            ("subsidies/regelingen/", k["scheme"].pk),
            ("subsidies/aanbieders/", k["provider"].pk),
            ("subsidies/budgetten/", k["budget"].pk),
            ("subsidies/toekenningen/", k["allocation"].pk),
        )
        pk = next((pk for prefix, pk in prefixes if route.startswith(prefix)), None)
        values: dict[str, object] = {"pk": pk} if pk is not None else {}
        values.update(
            step_pk=k["office"].steps.order_by("pk").last().pk,
            member_pk=k["member"].pk,
            proposal_pk=k["proposal"].pk,
            action="assign-me" if route.startswith("loket/") else "cancel",
            desk=k["desk"].pk,
            slug="utrecht",
            basic="vog",
            meeting_pk=k["meeting"].pk,
            year=2026,
            uidb64="MQ",
            table="funnel" if route.startswith("dashboard/pos/") else "status",
            token=self.token(route),
        )
        return values

    def token(self, route: str) -> str:
        k = self.kwargs
        if route.startswith("aanmelden/"):
            return confirmation_token(k["pending_provider"])
        if route.startswith("pos-kantoor/"):
            return "ongeldig"
        if route.startswith("hulpvraag/"):
            return k["request"].public_token
        if route.startswith("subsidies/"):
            return make_token(UNSUBSCRIBE_PURPOSE, k["provider"].pk)
        if route.startswith("pos-lokaal/aanmelden/"):
            return make_token(news_services.OPTIN_PURPOSE, k["news_subscription"].email)
        if route.startswith("pos-lokaal/afmelden/"):
            return make_token(news_services.UNSUBSCRIBE_PURPOSE, k["news_subscription"].pk)
        return "set-password"


def build_world() -> World:
    """Staff of Utrecht's desk and of a desk in Amsterdam ("other_*"), and one object each."""
    utrecht, amsterdam = municipality("GM0344"), municipality("GM0363")
    desk = DeskFactory(municipalities=[utrecht])
    other_desk = DeskFactory(municipalities=[amsterdam])
    partner = OrganisationFactory()
    club = StaffProfileFactory(
        club_supporter=True, desk=desk, organisation=partner, user__username="club"
    ).user
    users = {
        "anonymous": None,
        Role.CLUB_SUPPORTER.value: club,
        Role.POLICY_STAFF.value: StaffProfileFactory(
            policy_staff=True, municipality=utrecht, user__username="policy"
        ).user,
        Role.POS_STAFF.value: StaffProfileFactory(pos_staff=True, user__username="pos").user,
        Role.ADMINISTRATOR.value: StaffProfileFactory(
            administrator=True, user__username="admin"
        ).user,
        "other_club_supporter": StaffProfileFactory(
            club_supporter=True,
            desk=other_desk,
            organisation__municipality=amsterdam,
            user__username="otherclub",
        ).user,
        "other_policy_staff": StaffProfileFactory(
            policy_staff=True, municipality=amsterdam, user__username="otherpolicy"
        ).user,
    }
    provider = ProviderFactory(eligible=True)
    # Public (its page and the public map answer), with a contact person who agreed.
    office = make_office(
        "GM0344",
        is_public=True,
        public_contact_name="Sanne de Vries",
        public_contact_email="sanne@utrecht.example",
        public_contact_consent_at=dt.datetime(2026, 1, 31, 9, 0, tzinfo=dt.UTC),
    )
    request = SupportRequestFactory(desk=desk, provider=provider)
    handover = Handover.objects.create(
        support_request=request,
        organisation=partner,
        note="Graag oppakken",
        respond_by=dt.date(2030, 1, 1),
        created_by=club,
    )
    # A partner organisation serving both desks, with staff who work at the other desk.
    partner_org = OrganisationFactory(name="Welzijn Samen", email="welzijn@example.org")
    DeskPartner.objects.create(desk=desk, organisation=partner_org)
    DeskPartner.objects.create(desk=other_desk, organisation=partner_org)
    partner_staff = StaffProfileFactory(
        club_supporter=True, desk=other_desk, organisation=partner_org, user__username="partner"
    ).user
    budget = BudgetFactory(desk=desk)
    YearPlan.objects.create(office=office, year=2026, short_term_goals="Meer jeugd in de club")
    meeting = MeetingFactory(office=office)
    agreement = Agreement.objects.create(
        meeting=meeting, description="Samen zwemles", owner_name="Kim", due_on=dt.date(2030, 1, 1)
    )
    portal_contact = PortalContact.objects.create(provider=provider, email=provider.email)
    upload = ContentFile(b"naam;soort;gemeente\nZwemclub;vereniging;Utrecht\n", name="lijst.csv")
    import_job = import_job_start(user=club, upload=upload, mode=ImportMode.CHECK)
    import_job_run(job_id=import_job.pk)
    news = {"body": "Nieuws voor **alle** kantoren.", "audience": "national"}
    kwargs = {
        "news_draft": NewsUpdate.objects.create(title="Concept", created_by=club, **news),
        "news_update": NewsUpdate.objects.create(
            title="Verstuurd",
            status="sent",
            send_started_at=timezone.now(),
            sent_at=timezone.now(),
            **news,
        ),
        "news_subscription": NewsSubscription.objects.create(
            email="lezer@example.org", source="confirmation_link", opted_in_at=timezone.now()
        ),
        "import_job": import_job,
        "desk": desk,
        "other_desk": other_desk,
        "partner_org": partner_org,
        "partner_staff": partner_staff,
        "provider": provider,
        "pending_provider": ProviderFactory(pending=True),
        "portal_contact": portal_contact,
        # Pending evidence with a file, from the portal contact of Utrecht's provider.
        "safety_claim": portal_safety_claim_submit(
            contact=portal_contact,
            basic="vog",
            date=dt.date(2026, 1, 5),
            upload=ContentFile(b"%PDF-1.4\n%%EOF\n", name="vog.pdf"),
            content_type="application/pdf",
        ),
        "office": office,
        "member": CoreGroupMemberFactory(office=office),
        "proposal": DecisionProposal.objects.create(
            office=office,
            step=office.steps.get(code="3"),
            decision="no_go_retry",
            decided_on=dt.date(2026, 3, 5),
            side="pos",
            proposed_at=dt.datetime(2026, 3, 5, 20, 0, tzinfo=dt.UTC),
        ),
        "request": request,
        "handover": handover,
        "meeting": meeting,
        "agreement": agreement,
        "coach": CoachFactory(municipality=utrecht),
        "scheme": SchemeFactory(),
        "budget": budget,
        "allocation": support_request_allocate(
            request=request,
            budget=budget,
            amount="100",
            decision="granted",
            rationale="Cursus vrijwilligersbeleid",
            decided_on=dt.date(2026, 1, 15),
            by=club,
        ),
    }
    return World(users=users, kwargs=kwargs)
