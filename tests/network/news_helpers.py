"""Shared set-up of the news update tests: offices with their networks and subscribers."""

from __future__ import annotations

from django.utils import timezone

from network.news import services
from network.news.constants import Audience, SubscriptionSource
from network.news.models import NewsSubscription, NewsUpdate
from providers.constants import ProviderKind
from tests.factories import ProviderFactory
from tests.poskantoor.factories import CoreGroupMemberFactory, make_office


def subscribe(email: str) -> NewsSubscription:
    return NewsSubscription.objects.create(
        email=email.lower(),
        source=SubscriptionSource.CONFIRMATION_LINK,
        opted_in_at=timezone.now(),
    )


def network_of(office, *, members: int = 1, entrepreneurs: int = 1, prefix: str = "") -> list:
    """Core-group members and entrepreneurs of ``office``, each subscribed; their addresses."""
    prefix = prefix or office.municipality.cbs_code.lower()
    addresses = []
    for i in range(members):
        address = f"{prefix}-lid{i}@example.org"
        CoreGroupMemberFactory(office=office, email=address.upper() if i == 0 else address)
        subscribe(address)
        addresses.append(address)
    for i in range(entrepreneurs):
        address = f"{prefix}-ondernemer{i}@example.org"
        ProviderFactory(
            municipality=office.municipality, kind=ProviderKind.ENTREPRENEUR, email=address
        )
        subscribe(address)
        addresses.append(address)
    return addresses


def offices():
    return make_office("GM0344"), make_office("GM0363")


def draft(by, *, office=None, **data) -> NewsUpdate:
    values = {
        "title": "Nieuws uit het netwerk",
        "body": "Beste ondernemers,\n\nDit is **nieuws**.",
        "link": "https://pos.nl/nieuws",
        "audience": Audience.OFFICE if office else Audience.NATIONAL,
        "office": office,
        **data,
    }
    return services.news_update_save(update=None, data=values, by=by)
