"""The retention registry: each app contributes its rules and inventory; the core collects them
in dependency order and runs the audit trail's rules last."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from sportloket import retention
from sportloket.retention import NONE, Contribution


def test_the_sweep_runs_the_cores_records_first_each_app_in_order_and_the_audit_trail_last():
    names = [rule.name for rule in retention.rules()]
    first = [rule.name for rule in retention.FIRST_RULES]
    last = [rule.name for rule in retention.LAST_RULES]
    assert names[: len(first)] == first
    assert names[-len(last) :] == last == ["audit_details", "audit_events", "admin_log"]
    # Between them, each app's rules together, the apps in INSTALLED_APPS (dependency) order.
    order = [config.label for config in apps.get_app_configs()]
    owner = {
        rule.name: order.index(label)
        for label, part in retention._contributions.items()
        for rule in part.rules
    }
    middle = names[len(first) : -len(last)]
    assert set(middle) == set(owner)
    assert [owner[name] for name in middle] == sorted(owner[name] for name in middle)
    assert {order[owner[name]] for name in middle} == {"providers", "poskantoor", "meetings"}


def test_every_app_with_models_of_its_own_contributes_its_inventory():
    contributed = {
        label.split(".")[0]
        for part in retention._contributions.values()
        for label in part.inventory
    }
    assert contributed == {"providers", "poskantoor", "meetings", "network", "subsidies", "api"}
    for app_label, part in retention._contributions.items():
        assert {label.split(".")[0] for label in part.inventory} == {app_label}


def test_a_model_declared_by_two_apps_is_a_configuration_error(monkeypatch):
    monkeypatch.setitem(
        retention._contributions,
        "subsidies",
        Contribution((), {**retention._contributions["subsidies"].inventory, "auth.User": NONE}),
    )
    with pytest.raises(ImproperlyConfigured, match="auth.User"):
        retention.inventory()


def test_registering_an_app_again_replaces_its_contribution(monkeypatch):
    monkeypatch.setattr(retention, "_contributions", dict(retention._contributions))
    before = retention.rules()
    part = retention._contributions["providers"]
    retention.register("providers", rules=part.rules, inventory=part.inventory)
    assert retention.rules() == before
    retention.register("providers", rules=(), inventory=part.inventory)
    assert len(retention.rules()) == len(before) - len(part.rules)


def test_rules_and_inventory_read_as_module_attributes():
    assert retention.RULES == retention.rules()
    assert retention.INVENTORY == retention.inventory()
    with pytest.raises(AttributeError):
        retention.NOT_A_NAME  # noqa: B018
