"""Option lists of the reference data (municipalities, sports, target groups, question
categories) for the filter forms of list pages, and of each desk's partner organisations and
club supporters for its triage board, read from the cache instead of a query per list per page.

The lists change only when an administrator edits the reference data. Every save or delete of
such a row, and every migration, removes the cached lists (at once and again after the commit,
so a request cannot leave the old rows in the cache). Writes that send no signals
(``QuerySet.update``, raw SQL) show up when the entry expires: after ``OPTIONS_SECONDS`` at the
latest. A cache that does not answer costs the three queries, not the page (and, like the rate
limits, is skipped for a while: ``ratelimit.CACHE_BREAKER``).
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, models, transaction
from django.db.models import QuerySet
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_save

from .models import (
    Desk,
    DeskPartner,
    Municipality,
    Organisation,
    QuestionCategory,
    Sport,
    StaffProfile,
    TargetGroup,
)
from .ratelimit import CACHE_BREAKER
from .selectors import desk_club_supporters

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


def as_instances(
    model: type[models.Model], options: list[tuple], fields: list[str] | None = None
) -> list[models.Model]:
    """The options (tuples of ``fields``, by default pk and name) as instances of ``model``
    with only those fields loaded, as ``model.objects.only(…)`` would give them (any other
    field is read when used)."""
    db = model.objects.db
    fields = fields or ["id", "name"]
    # from_db takes the values in the model's field order, whatever the order of the names.
    loaded = [f.attname for f in model._meta.concrete_fields if f.attname in fields]
    order = [fields.index(name) for name in loaded]
    return [model.from_db(db, loaded, tuple(option[i] for i in order)) for option in options]


# --- A desk's own lists: its partner organisations and its club supporters --------------------


def _desk_key(desk_id: int) -> str:
    return f"options:desk:{desk_id}:v1"


def desk_options(desk_id: int) -> dict[str, list[tuple]]:
    """``{"organisations": [(pk, name), …], "staff": [(pk, first_name, last_name, username),
    …]}`` of a desk, for its triage board's filters and bulk actions: its partner
    organisations by name, and its active club supporters by name. One cache read; on a miss
    two queries. Dropped (now and at commit) by every save or delete of a partner link, an
    organisation, a staff profile or a user that can change them (a login's ``last_login``
    cannot); writes without signals show within ``OPTIONS_SECONDS``."""
    key = _desk_key(desk_id)
    cached = _cache_call(cache.get, key)
    if cached is not None:
        return cached
    lists = {
        "organisations": list(
            Organisation.objects.filter(desks__id=desk_id).values_list("pk", "name")
        ),
        "staff": list(
            desk_club_supporters(desk_id=desk_id).values_list(
                "pk", "first_name", "last_name", "username"
            )
        ),
    }
    _cache_call(cache.set, key, lists, OPTIONS_SECONDS)
    return lists


def _forget_desks(desk_ids) -> None:
    keys = [_desk_key(desk_id) for desk_id in set(desk_ids) if desk_id is not None]
    if keys:
        _forget(keys)
        transaction.on_commit(lambda: _forget(keys))


def _desks_of_partner_link(instance, **kwargs) -> None:
    _forget_desks([instance.desk_id])


def _desks_of_organisation(instance, **kwargs) -> None:
    _forget_desks(
        DeskPartner.objects.filter(organisation_id=instance.pk).values_list("desk_id", flat=True)
    )


def _desks_of_partner_change(instance, action, reverse, pk_set, **kwargs) -> None:
    """``desk.partners.add/remove/clear`` and the same from the organisation's side."""
    if not reverse and action in ("post_add", "post_remove", "post_clear"):
        _forget_desks([instance.pk])
    elif reverse and action in ("post_add", "post_remove"):
        _forget_desks(pk_set or [])
    elif reverse and action == "pre_clear":
        _forget_desks(
            DeskPartner.objects.filter(organisation_id=instance.pk).values_list(
                "desk_id", flat=True
            )
        )


def _remember_old_desk(instance, **kwargs) -> None:
    """Before a staff profile is saved: the desk it had (a move leaves two desks changed)."""
    instance._options_old_desk_id = (
        StaffProfile.objects.filter(pk=instance.pk).values_list("desk_id", flat=True).first()
        if instance.pk
        else None
    )


def _desks_of_staff_profile(instance, **kwargs) -> None:
    _forget_desks([instance.desk_id, getattr(instance, "_options_old_desk_id", None)])


def _desks_of_user(instance, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing the lists show
    _forget_desks(
        StaffProfile.objects.filter(user_id=instance.pk).values_list("desk_id", flat=True)
    )


def _forget_all_desks(**kwargs) -> None:
    try:
        desk_ids = list(Desk.objects.values_list("pk", flat=True))
    except DatabaseError:  # the table is not there (yet)
        return
    _forget_desks(desk_ids)


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

post_save.connect(_desks_of_partner_link, sender=DeskPartner, dispatch_uid="options-partner-save")
post_delete.connect(
    _desks_of_partner_link, sender=DeskPartner, dispatch_uid="options-partner-delete"
)
post_save.connect(_desks_of_organisation, sender=Organisation, dispatch_uid="options-org-save")
m2m_changed.connect(
    _desks_of_partner_change, sender=Desk.partners.through, dispatch_uid="options-partners"
)
pre_save.connect(_remember_old_desk, sender=StaffProfile, dispatch_uid="options-staff-before")
post_save.connect(_desks_of_staff_profile, sender=StaffProfile, dispatch_uid="options-staff-save")
post_delete.connect(
    _desks_of_staff_profile, sender=StaffProfile, dispatch_uid="options-staff-delete"
)
post_save.connect(_desks_of_user, sender=settings.AUTH_USER_MODEL, dispatch_uid="options-user")
post_migrate.connect(
    _forget_all_desks, sender=apps.get_app_config("sportloket"), dispatch_uid="options-desks"
)
