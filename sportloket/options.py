"""Option lists of the reference data (municipalities, sports, target groups, question
categories) for the filter forms of list pages, read from the cache instead of a query per list
per page.

The lists change only when an administrator edits the reference data. Every save or delete of
such a row, and every migration, removes the cached lists (at once and again after the commit,
so a request cannot leave the old rows in the cache). Writes that send no signals
(``QuerySet.update``, raw SQL) show up when the entry expires: after ``OPTIONS_SECONDS`` at the
latest. A cache that does not answer costs the three queries, not the page (and, like the rate
limits, is skipped for a while: ``ratelimit.CACHE_BREAKER``).
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.db import models, transaction
from django.db.models import QuerySet
from django.db.models.signals import post_delete, post_migrate, post_save

from .models import Municipality, QuestionCategory, Sport, TargetGroup
from .ratelimit import CACHE_BREAKER

logger = logging.getLogger(__name__)

OPTIONS_SECONDS = 600

Option = tuple[int, str]


def _sources() -> dict[str, QuerySet]:
    """Each list's rows in the order the forms show them (the models' own ordering)."""
    return {
        "municipalities": Municipality.objects.filter(active=True).values_list("pk", "name"),
        # Also those no longer active (merged): their questions stay on the board.
        "all_municipalities": Municipality.objects.values_list("pk", "name"),
        "sports": Sport.objects.values_list("pk", "name"),
        "target_groups": TargetGroup.objects.values_list("pk", "name"),
        "categories": QuestionCategory.objects.values_list("pk", "name"),
    }


LISTS = ("municipalities", "all_municipalities", "sports", "target_groups", "categories")


def _key(name: str) -> str:
    return f"options:{name}:v1"


def reference_options(*names: str) -> dict[str, list[Option]]:
    """``{name: [(pk, label), …]}`` for the lists asked for (``municipalities``: the active
    ones, by name, ``all_municipalities`` with the inactive ones; ``sports``,
    ``target_groups`` and ``categories`` in their set order): one cache read, and a query only
    for a list that is not cached."""
    keys = {name: _key(name) for name in names}
    cached = _cache_call(cache.get_many, list(keys.values())) or {}
    lists = {}
    missing = {}
    sources = None
    for name, key in keys.items():
        if key in cached:
            lists[name] = cached[key]
            continue
        sources = sources or _sources()
        lists[name] = missing[key] = list(sources[name])
    if missing:
        _cache_call(cache.set_many, missing, OPTIONS_SECONDS)
    return lists


def _cache_call(method, *args):
    """``method(*args)``, or None while the cache is down."""
    if CACHE_BREAKER.is_open():
        return None
    try:
        return method(*args)
    except Exception:  # noqa: BLE001 - a broken cache must not take the list pages down
        logger.warning("cache unavailable for the option lists", exc_info=True)
        CACHE_BREAKER.trip()
        return None


def in_scope(options: list[Option], municipality_ids: frozenset[int] | None) -> list[Option]:
    """The municipalities of a scope (``None``: all), in the list's order."""
    if municipality_ids is None:
        return options
    return [option for option in options if option[0] in municipality_ids]


def as_instances(model: type[models.Model], options: list[Option]) -> list[models.Model]:
    """The options as instances of ``model`` with only their pk and name loaded, as
    ``model.objects.only("name")`` would give them (any other field is read when used)."""
    db = model.objects.db
    return [model.from_db(db, ["id", "name"], option) for option in options]


def forget_options(**kwargs) -> None:
    """Drop the cached lists now (this transaction reads its own change) and again once the
    change is committed (another request may have cached the old rows in between); a receiver
    of every signal that can change them."""
    keys = [_key(name) for name in LISTS]
    _forget(keys)
    transaction.on_commit(lambda: _forget(keys))


def _forget(keys: list[str]) -> None:
    # Tried even while the breaker is open: a list left behind would outlive the outage.
    try:
        cache.delete_many(keys)
    except Exception:  # noqa: BLE001 - the change itself is committed; the entry expires
        logger.warning("cache unavailable: option lists not dropped", exc_info=True)


for _model in (Municipality, Sport, TargetGroup, QuestionCategory):
    post_save.connect(forget_options, sender=_model, dispatch_uid=f"options-save-{_model.__name__}")
    post_delete.connect(
        forget_options, sender=_model, dispatch_uid=f"options-delete-{_model.__name__}"
    )
post_migrate.connect(forget_options, dispatch_uid="options-migrate")
