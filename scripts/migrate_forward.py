"""The Python half of ``scripts/check-migrate-forward``: fill a database with the last release's
code, snapshot it, and verify it after the current code's ``migrate``.

    python scripts/migrate_forward.py fill --root OLD_TREE
    python scripts/migrate_forward.py snapshot --root OLD_TREE --snapshot SNAPSHOT.json
    python scripts/migrate_forward.py verify --root CURRENT_TREE --snapshot SNAPSHOT.json

``--root`` is the source tree whose code runs (the release exported by ``git archive``, or this
checkout); the database is the one ``DATABASE_URL`` names. ``fill`` and ``snapshot`` run the
release's models, ``verify`` the current ones, so the checks compare tables, content type ids
and primary keys, which both sides share, never model classes.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

# A marker on the audit events this check writes, so ``verify`` finds them again.
AUDIT_ACTION = "migrate_forward_check"
# The benchmark fill at a size that keeps the whole check within about a minute per database.
FILL_QUESTIONS = 20_000
FILL_HISTORICAL_OFFICES = 1000
FILL_PROVIDERS = 5000
FILL_NETWORK_DESKS, FILL_NETWORK_PROVIDERS = 100, 2000
FILL_SUBSIDY_PROVIDERS, FILL_SCHEMES = 1000, 30
# Tables whose content changes by design when the current code migrates: its migration log,
# and the content types and permissions ``post_migrate`` adds for models that are new.
GROWING_TABLES = {"django_migrations", "django_content_type", "auth_permission"}
# Where the moved models of this release's restructuring live now.
MOVED_TO = "network"


class CheckFailed(Exception):
    """One thing the migrated database does not keep; the message says which."""


def _setup(root: Path) -> None:
    sys.path.insert(0, str(root.resolve()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sportloket.settings.dev")
    import django

    django.setup()


def _table_counts() -> dict[str, int]:
    from django.db import connection

    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names(cursor)):
            if table.startswith("sqlite_"):
                continue  # SQLite's own tables (ANALYZE statistics), not data of ours
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
            counts[table] = cursor.fetchone()[0]
    return counts


def fill() -> None:
    """Benchmark fill at a modest size (the release's own bench fills with smaller constants),
    then one audit event and one admin log entry for the first row of every model that has
    rows, so every content type in use is pointed at."""
    from django.contrib.admin.models import CHANGE, LogEntry
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command

    from bench import bench_desk, bench_network, bench_providers, bench_subsidies
    from bench.bench_home import bench_user
    from sportloket.models import AuditEvent

    call_command("poskantoor_fill", historical=FILL_HISTORICAL_OFFICES, verbosity=0)
    bench_desk.setup()
    call_command(
        "fill_support_requests",
        desk=bench_desk.DESK,
        count=FILL_QUESTIONS,
        providers="Benchmarkaanbieder",
        verbosity=0,
    )
    bench_providers.TOTAL = FILL_PROVIDERS
    bench_providers.fill()
    bench_network.DESKS, bench_network.PROVIDERS = FILL_NETWORK_DESKS, FILL_NETWORK_PROVIDERS
    bench_network._fill()
    bench_subsidies.PROVIDERS, bench_subsidies.SCHEMES = FILL_SUBSIDY_PROVIDERS, FILL_SCHEMES
    bench_subsidies._fill(bench_user())

    admin = get_user_model().objects.get(username="beheer")
    for content_type in ContentType.objects.order_by("pk"):
        model = content_type.model_class()
        if model is None or model._meta.proxy:
            continue
        first = model._default_manager.order_by("pk").first()
        if first is None:
            continue
        AuditEvent.objects.create(
            content_type=content_type,
            object_id=str(first.pk),
            actor=admin,
            action=AUDIT_ACTION,
            summary=f"{content_type.app_label}.{content_type.model} {first.pk}",
        )
        LogEntry.objects.create(
            user=admin,
            content_type=content_type,
            object_id=str(first.pk),
            object_repr=str(first)[:200],
            action_flag=CHANGE,
            change_message=AUDIT_ACTION,
        )
    print(f"filled: {sum(_table_counts().values())} rows")


def snapshot(out: Path) -> None:
    """Row counts of every table, every content type with the table of its model, every
    permission, and where the audit trail and the admin's log point."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    from sportloket.models import AuditEvent

    content_types = {}
    for ct in ContentType.objects.all():
        model = ct.model_class()
        content_types[str(ct.pk)] = {
            "label": f"{ct.app_label}.{ct.model}",
            "table": model._meta.db_table if model is not None else None,
        }
    data = {
        "tables": _table_counts(),
        "content_types": content_types,
        "permissions": {
            str(p.pk): [p.content_type_id, p.codename] for p in Permission.objects.all()
        },
        "audit": [
            [e.pk, e.content_type_id, e.object_id]
            for e in AuditEvent.objects.filter(action=AUDIT_ACTION).order_by("pk")
        ],
        "admin_log": [
            [e.pk, e.content_type_id, e.object_id]
            for e in LogEntry.objects.filter(change_message=AUDIT_ACTION).order_by("pk")
        ],
    }
    out.write_text(json.dumps(data, indent=1, sort_keys=True))
    print(f"snapshot: {len(data['tables'])} tables, {len(content_types)} content types")


def _check_migrations() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan)
        raise CheckFailed(f"migrations not applied: {names}")


def _check_tables(before: dict[str, int]) -> list[str]:
    after = _table_counts()
    problems = []
    for table, count in before.items():
        if table not in after:
            problems.append(f"table {table} is gone ({count} rows before)")
        elif table not in GROWING_TABLES and after[table] != count:
            problems.append(f"table {table}: {count} rows before, {after[table]} after")
    new = sorted(set(after) - set(before))
    print(f"tables: {len(before)} kept with their row counts; new: {', '.join(new) or 'none'}")
    return problems


def _check_content_types(snap: dict) -> tuple[list[str], list[str]]:
    """Each content type keeps its id and now names a current model on the same table; the
    ones whose label changed are the moved models and name the new app; none is stale."""
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    problems, moved = [], []
    current = {str(ct.pk): ct for ct in ContentType.objects.all()}
    for pk, old in snap["content_types"].items():
        ct = current.get(pk)
        if ct is None:
            problems.append(f"content type {old['label']} (id {pk}) is gone")
            continue
        label = f"{ct.app_label}.{ct.model}"
        model = ct.model_class()
        table = model._meta.db_table if model is not None else None
        if old["table"] is not None and table != old["table"]:
            problems.append(f"content type {pk}: {old['label']} ({old['table']}) became {label}")
        if label != old["label"]:
            moved.append(f"{old['label']} -> {label}")
            if ct.app_label != MOVED_TO:
                problems.append(f"content type {pk}: {old['label']} moved to {label}")
    for pk, ct in current.items():
        if ct.model_class() is None:
            problems.append(f"stale content type {ct.app_label}.{ct.model} (id {pk})")
    permissions = {str(p.pk): [p.content_type_id, p.codename] for p in Permission.objects.all()}
    for pk, old in snap["permissions"].items():
        if permissions.get(pk) != old:
            problems.append(f"permission {pk} {old} became {permissions.get(pk)}")
    return problems, moved


def _check_pointers(snap: dict) -> list[str]:
    """The audit trail and the admin's log still point at their rows, through current models."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from sportloket.models import AuditEvent

    problems = []
    for name, model, rows in (
        ("audit event", AuditEvent, snap["audit"]),
        ("admin log entry", LogEntry, snap["admin_log"]),
    ):
        by_pk = {e.pk: e for e in model.objects.filter(pk__in=[r[0] for r in rows])}
        for pk, content_type_id, object_id in rows:
            event = by_pk.get(pk)
            if event is None or event.content_type_id != content_type_id:
                problems.append(f"{name} {pk} lost its content type {content_type_id}")
                continue
            ct = ContentType.objects.get_for_id(content_type_id)
            if not ct.model_class()._default_manager.filter(pk=object_id).exists():
                problems.append(f"{name} {pk} points at {ct.app_label}.{ct.model} {object_id}")
    print(f"audit events and admin log entries checked: {len(snap['audit'] + snap['admin_log'])}")
    return problems


def _check_moved_rows(snap: dict) -> list[str]:
    """The moved models read every row of their kept tables. (A model the app gained after the
    release has no table in the release's database: it was not moved, and is checked as a new
    table.)"""
    from django.apps import apps

    problems = []
    released = {old["table"] for old in snap["content_types"].values() if old["table"]}
    checked = 0
    for model in apps.get_app_config(MOVED_TO).get_models():
        table = model._meta.db_table
        if table not in released:
            continue
        checked += 1
        expected = snap["tables"].get(table)
        rows = list(model._default_manager.all())
        labels = [str(row) for row in rows]
        if expected is None or len(labels) != expected:
            problems.append(f"{model._meta.label}: {len(rows)} rows read, {expected} in {table}")
    if not checked:
        problems.append(f"no model of {MOVED_TO} has a table of the release")
    return problems


def _check_pages() -> list[str]:
    """Pages that read the moved rows and the apps above them answer 200 for their roles."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from network.models import NeighbourhoodSportCoach
    from poskantoor.models import PosOffice
    from sportloket.models import Desk

    users = get_user_model().objects.in_bulk(
        ["clubondersteuner", "pos", "beheer"], field_name="username"
    )
    desk = Desk.objects.get(staff__user=users["clubondersteuner"])
    coach = NeighbourhoodSportCoach.objects.order_by("pk").first()
    office = PosOffice.objects.order_by("pk").first()
    pages = [
        ("clubondersteuner", reverse("home")),
        ("clubondersteuner", reverse("meetings:board")),
        ("clubondersteuner", reverse("network:signals")),
        ("clubondersteuner", reverse("network:quality", args=[desk.pk])),
        ("clubondersteuner", reverse("network:network", args=[desk.pk])),
        ("clubondersteuner", reverse("reports:desk_dashboard")),
        ("pos", reverse("network:comparison")),
        ("pos", reverse("network:coach_list")),
        ("pos", reverse("network:coach_detail", args=[coach.pk])),
        ("pos", reverse("poskantoor:detail", args=[office.pk])),
        ("pos", reverse("reports:pos_dashboard")),
        ("beheer", reverse("admin:network_neighbourhoodsportcoach_changelist")),
        ("beheer", reverse("admin:sportloket_auditevent_changelist")),
    ]
    problems = []
    for username, url in pages:
        client = Client(HTTP_HOST="localhost")
        client.force_login(users[username])
        status = client.get(url).status_code
        if status != 200:
            problems.append(f"{url} as {username}: {status}")
    print(f"pages rendered: {len(pages)}")
    return problems


def verify(snapshot_file: Path) -> None:
    snap = json.loads(snapshot_file.read_text())
    _check_migrations()
    problems = _check_tables(snap["tables"])
    content_type_problems, moved = _check_content_types(snap)
    problems += content_type_problems
    if not moved:
        problems.append(f"no content type moved to {MOVED_TO}")
    print(f"content types moved: {', '.join(moved) or 'none'}")
    problems += _check_pointers(snap)
    problems += _check_moved_rows(snap)
    problems += _check_pages()
    if problems:
        raise CheckFailed("\n  ".join(["the migrated database differs:", *problems]))
    print("verified: rows, content types, audit trail and pages")


def main() -> int:
    parser = argparse.ArgumentParser(prog="migrate_forward.py")
    parser.add_argument("step", choices=["fill", "snapshot", "verify"])
    parser.add_argument("--root", type=Path, required=True, help="the source tree that runs")
    parser.add_argument("--snapshot", type=Path, help="the snapshot file (snapshot, verify)")
    args = parser.parse_args()
    if args.step != "fill" and args.snapshot is None:
        parser.error(f"{args.step} needs the snapshot file")
    _setup(args.root)
    try:
        if args.step == "fill":
            fill()
        elif args.step == "snapshot":
            snapshot(args.snapshot)
        else:
            verify(args.snapshot)
    except CheckFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
