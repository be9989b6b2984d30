"""The network's models moved from ``sportloket`` and ``meetings`` with their tables: migrating a
database that holds rows of the old layout keeps the rows, and the audit trail, the admin's log
and the permissions follow the renamed content types (also when the new one already exists)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("sportloket", "0006_health_beat"), ("meetings", "0008_support_request_desk_created")]
MOVED_CT = [
    ("sportloket", "smartgoal"),
    ("sportloket", "deskcriteriontick"),
    ("meetings", "signal"),
]

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(targets):
    """Migrate to ``targets``; the models as the applied migrations define them. (The
    executor's own returned state can keep a migration that was unapplied when other apps'
    migrations sit between it and the last one unapplied.)"""
    MigrationExecutor(connection).migrate(targets)
    loader = MigrationExecutor(connection).loader
    return loader.project_state(list(loader.applied_migrations)).apps


def _latest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.fixture
def old_layout():
    """A database at main's schema with a coach, a goal, a tick, a signal and what points at
    their content types; migrated back to the latest state afterwards."""
    leaves = _latest()
    apps = _migrate([("network", None), *BEFORE])
    ContentType = apps.get_model("contenttypes", "ContentType")
    Desk = apps.get_model("sportloket", "Desk")
    Theme = apps.get_model("sportloket", "Theme")
    Municipality = apps.get_model("sportloket", "Municipality")
    Coach = apps.get_model("sportloket", "NeighbourhoodSportCoach")
    SmartGoal = apps.get_model("sportloket", "SmartGoal")
    Tick = apps.get_model("sportloket", "DeskCriterionTick")
    Signal = apps.get_model("meetings", "Signal")
    AuditEvent = apps.get_model("sportloket", "AuditEvent")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")

    desk = Desk.objects.create(name="Loket migratie")
    theme = Theme.objects.create(name="Migratiethema", slug="migratiethema", kind="signal")
    coach = Coach.objects.create(
        municipality=Municipality.objects.create(
            cbs_code="GM9990", name="Migratiestad", province="Utrecht"
        ),
        name="Coach migratie",
        employer="Sportbedrijf",
        hours_per_week=16,
        neighbourhoods="Noord",
    )
    goal = SmartGoal.objects.create(
        coach=coach,
        description="Meer jongeren",
        indicator="Leden",
        baseline=10,
        target_value=20,
        agreed_on="2026-01-01",
        deadline="2026-12-31",
        measured_by="Coach",
    )
    tick = Tick.objects.create(
        desk=desk, criterion="working_area", evidence="Werkgebied", ticked_on="2026-02-01"
    )
    signal = Signal.objects.create(
        desk=desk, theme=theme, description="Signaal", source="desk", recorded_on="2026-03-01"
    )
    rows = {"smartgoal": goal, "deskcriteriontick": tick, "signal": signal}
    cts = {}
    for app_label, model in MOVED_CT:
        ct, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
        cts[model] = ct.pk
        AuditEvent.objects.create(
            content_type=ct, object_id=str(rows[model].pk), action="moved", summary=model
        )
        Permission.objects.get_or_create(
            content_type=ct, codename=f"view_{model}", defaults={"name": f"Can view {model}"}
        )
    group = Group.objects.create(name="Migratiegroep")
    group.permissions.add(Permission.objects.get(codename="view_smartgoal"))
    yield {"cts": cts, "rows": {m: r.pk for m, r in rows.items()}, "group": group.pk}
    _migrate(leaves)


def test_migrate_keeps_rows_and_moves_content_types_and_back_restores_them(old_layout):
    """Forward, then back again (one test: each migration over the whole graph costs seconds,
    and going back needs the state going forward makes)."""
    apps = _migrate(_latest())
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("sportloket", "AuditEvent")
    for model, ct_id in old_layout["cts"].items():
        ct = ContentType.objects.get(pk=ct_id)
        assert (ct.app_label, ct.model) == ("network", model)
        event = AuditEvent.objects.get(content_type_id=ct_id, summary=model)
        assert event.object_id == str(old_layout["rows"][model])
        assert apps.get_model("network", model).objects.filter(pk=event.object_id).exists()
    assert not ContentType.objects.filter(
        app_label__in=["sportloket", "meetings"], model__in=list(old_layout["cts"])
    ).exists()
    goal = apps.get_model("network", "SmartGoal").objects.get()
    assert goal.coach.name == "Coach migratie"
    group = apps.get_model("auth", "Group").objects.get(pk=old_layout["group"])
    assert [p.content_type_id for p in group.permissions.all()] == [old_layout["cts"]["smartgoal"]]

    apps = _migrate([("network", None), *BEFORE])
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, model in MOVED_CT:
        assert ContentType.objects.get(pk=old_layout["cts"][model]).app_label == app_label
    assert apps.get_model("sportloket", "SmartGoal").objects.get().indicator == "Leden"


def test_migrate_merges_a_content_type_that_already_exists(old_layout):
    apps = _migrate([("network", "0001_initial")])
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("sportloket", "AuditEvent")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    early = ContentType.objects.create(app_label="network", model="smartgoal")
    AuditEvent.objects.create(content_type=early, object_id="1", action="early", summary="early")
    twin = Permission.objects.create(content_type=early, codename="view_smartgoal", name="x")
    own = Permission.objects.create(content_type=early, codename="frob_smartgoal", name="y")
    group = Group.objects.create(name="Vroege groep")
    group.permissions.add(twin, own)

    apps = _migrate(_latest())
    ContentType = apps.get_model("contenttypes", "ContentType")
    kept = old_layout["cts"]["smartgoal"]
    assert ContentType.objects.get(app_label="network", model="smartgoal").pk == kept
    assert not ContentType.objects.filter(pk=early.pk).exists()
    events = apps.get_model("sportloket", "AuditEvent").objects.filter(content_type_id=kept)
    assert set(events.values_list("action", flat=True)) == {"moved", "early"}
    group = apps.get_model("auth", "Group").objects.get(name="Vroege groep")
    assert sorted(group.permissions.values_list("codename", "content_type_id")) == [
        ("frob_smartgoal", kept),
        ("view_smartgoal", kept),
    ]
