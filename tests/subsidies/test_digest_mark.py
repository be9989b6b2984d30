"""The scheme digest reads only what changed since its last sweep (``DigestMark``): after
random changes through the services an incremental sweep claims exactly what a full sweep
would, a sweep with nothing new costs the same queries at any number of providers and
schemes, and a sweep that dies before its commit leaves the mark where it was."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from providers import services as provider_services
from providers.constants import ProviderKind, SafetyStatus
from providers.models import Provider
from sportloket.models import OutgoingEmail, TargetGroup, Theme
from subsidies import services
from subsidies.models import DigestMark, DigestOptOut, Scheme, SchemeShare
from tests.factories import ProviderFactory

from .factories import SchemeFactory

pytestmark = pytest.mark.django_db

KINDS = list(ProviderKind.values)
NAMES = itertools.count()


@pytest.fixture
def no_overlap(monkeypatch):
    """Look for changes from the moment the last sweep began (the overlap is for changes
    committed while it ran, which a test in one thread does not have)."""
    monkeypatch.setattr(services, "DIGEST_CHANGES_OVERLAP", dt.timedelta(0))


def pairs() -> set[tuple[int, int]]:
    return set(SchemeShare.objects.values_list("scheme_id", "provider_id"))


def full_sweep_finds_nothing_more(today: dt.date) -> bool:
    """What a sweep over every open scheme and every provider would still claim: nothing."""
    before = pairs()
    services.digest_sweep(today=today, full=True)
    return pairs() == before


def random_provider(rng: random.Random, groups) -> Provider:
    return ProviderFactory(
        kind=rng.choice(KINDS),
        target_groups=rng.sample(groups, rng.randint(0, 2)),
        status=rng.choice(["active", "active", "pending"]),
        vog_status=rng.choice(list(SafetyStatus.values)),
    )


def scheme_data(rng: random.Random, groups, themes, *, name: str, today: dt.date) -> dict:
    return {
        "name": name,
        "funder": "Fonds",
        "description": "",
        "link": "",
        "for_clubs": rng.random() < 0.7,
        "for_entrepreneurs": rng.random() < 0.7,
        "for_other": rng.random() < 0.5,
        "amount_min": None,
        "amount_max": None,
        "opens_on": rng.choice([None, today + dt.timedelta(days=rng.randint(1, 3))]),
        "closes_on": None,
        "active": True,
        "target_groups": rng.sample(groups, rng.randint(0, 2)),
        "themes": rng.sample(themes, rng.randint(0, 1)),
    }


def random_changes(rng, groups, themes, staff, *, today: dt.date, n: int) -> None:
    providers = list(Provider.objects.order_by("pk"))
    schemes = list(Scheme.objects.order_by("pk"))
    for _step in range(n):
        what = rng.choice(["kind", "groups", "safety", "status", "optout", "new", "scheme"])
        provider = rng.choice(providers)
        if what == "kind":
            provider_services.provider_update(
                provider=provider, data={"kind": rng.choice(KINDS)}, actor=staff
            )
        elif what == "groups":
            provider_services.provider_update(
                provider=provider,
                data={"target_groups": rng.sample(groups, rng.randint(0, 3))},
                actor=staff,
            )
        elif what == "safety":
            provider_services.provider_update(
                provider=provider,
                data={"vog_status": rng.choice(list(SafetyStatus.values))},
                actor=staff,
            )
        elif what == "status" and provider.status == "pending":
            provider_services.provider_set_status(provider=provider, action="confirm", actor=staff)
        elif what == "optout":
            if DigestOptOut.objects.filter(provider=provider).exists():
                services.digest_resubscribe(provider=provider)
            else:
                services.digest_unsubscribe(provider=provider)
        elif what == "new":
            random_provider(rng, groups)
        elif what == "scheme" and schemes and rng.random() < 0.5:
            scheme = rng.choice(schemes)
            services.scheme_save(
                scheme=scheme,
                data={**scheme_data(rng, groups, themes, name=scheme.name, today=today)},
                by=staff,
            )
        else:
            services.scheme_save(
                scheme=None,
                data=scheme_data(rng, groups, themes, name=f"Regeling {next(NAMES)}", today=today),
                by=staff,
            )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_sweeps_after_random_changes_claim_what_a_full_sweep_would(
    no_overlap, club_supporter, seed
):
    rng = random.Random(seed)
    groups = list(TargetGroup.objects.order_by("pk"))
    themes = list(Theme.objects.filter(kind="sportakkoord").order_by("pk"))
    today = timezone.localdate()
    for _ in range(25):
        random_provider(rng, groups)
    for i in range(5):
        services.scheme_save(
            scheme=None,
            data=scheme_data(rng, groups, themes, name=f"Start {i}", today=today),
            by=club_supporter,
        )
    services.digest_send(today=today)
    assert DigestMark.objects.get().on == today
    assert full_sweep_finds_nothing_more(today)
    for _round in range(5):
        today += dt.timedelta(days=rng.randint(0, 2))  # some schemes open on a later day
        random_changes(rng, groups, themes, club_supporter, today=today, n=6)
        services.digest_send(today=today)
        assert full_sweep_finds_nothing_more(today)
    # Exactly once: every claimed pair is in one digest, every provider one e-mail per claim.
    keys = list(OutgoingEmail.objects.filter(key__startswith="scheme-digest:").values_list("key"))
    assert len(keys) == len(set(keys))


def test_a_scheme_that_opens_on_a_later_day_reaches_its_providers_that_day(no_overlap):
    today = timezone.localdate()
    provider = ProviderFactory()
    later = SchemeFactory(opens_on=today + dt.timedelta(days=7))
    services.digest_send(today=today)
    assert not pairs()
    Scheme.objects.filter(pk=later.pk).update(updated_at=timezone.now() - dt.timedelta(days=1))
    services.digest_send(today=today + dt.timedelta(days=7))
    assert pairs() == {(later.pk, provider.pk)}


def test_a_provider_that_subscribes_again_receives_what_it_missed(no_overlap):
    scheme = SchemeFactory()
    provider = ProviderFactory()
    services.digest_unsubscribe(provider=provider)
    services.digest_send()
    assert not pairs()
    services.digest_resubscribe(provider=provider)
    services.digest_send()
    assert pairs() == {(scheme.pk, provider.pk)}


def test_a_change_committed_while_the_last_sweep_ran_is_seen_by_the_next():
    """A provider's ``updated_at`` is taken before its transaction commits; with the overlap
    a sweep that read before that commit does not leave it out for good."""
    scheme = SchemeFactory(target_groups=["jeugd"])
    provider = ProviderFactory()
    services.digest_send()
    mark = DigestMark.objects.get()
    provider.target_groups.set([TargetGroup.objects.get(slug="jeugd")])
    Provider.objects.filter(pk=provider.pk).update(
        updated_at=mark.changes_since + dt.timedelta(seconds=1)
    )
    Scheme.objects.filter(pk=scheme.pk).update(updated_at=mark.changes_since - dt.timedelta(1))
    services.digest_send()
    assert pairs() == {(scheme.pk, provider.pk)}


def _sweep_queries() -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert services.digest_send() == 0
    return len(ctx.captured_queries)


def test_a_sweep_with_nothing_new_costs_the_same_queries_at_any_size(no_overlap):
    groups = list(TargetGroup.objects.order_by("pk"))
    counts = []
    for providers, schemes in [(5, 1), (80, 6)]:
        for _ in range(providers):
            ProviderFactory(target_groups=groups[:2])
        SchemeFactory.create_batch(schemes)
        services.digest_send()
        counts.append(_sweep_queries())
    assert counts[0] == counts[1]
    assert counts[0] <= 10


def test_a_sweep_with_one_changed_provider_does_not_look_at_the_others(no_overlap, club_supporter):
    schemes = SchemeFactory.create_batch(3)
    ProviderFactory.create_batch(30)
    services.digest_send()
    newcomer = ProviderFactory()
    with CaptureQueriesContext(connection) as ctx:
        assert services.digest_send() == 1
    assert pairs() >= {(s.pk, newcomer.pk) for s in schemes}
    assert len(ctx.captured_queries) < 40


def test_a_sweep_that_dies_before_its_commit_leaves_the_mark(no_overlap, monkeypatch):
    SchemeFactory()
    ProviderFactory()
    services.digest_send()
    mark = DigestMark.objects.get()
    newcomer = ProviderFactory()

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "_insert_shares", killed)
    with pytest.raises(SystemExit):
        services.digest_send()
    monkeypatch.undo()
    assert DigestMark.objects.get().changes_since == mark.changes_since
    assert not SchemeShare.objects.filter(provider=newcomer).exists()
    assert services.digest_send() == 1
    assert SchemeShare.objects.filter(provider=newcomer).count() == 1
