"""The apps declare their home/navigation blocks and demo data on their AppConfig; the core
collects them. The order is what users and the demo data relied on before the core stopped
listing the apps."""

from django.apps import apps

from sportloket.appregistry import app_block_templates, demo_modules


def test_home_and_navigation_blocks_keep_their_order():
    order = ["providers", "poskantoor", "meetings", "network", "subsidies"]
    assert app_block_templates("_home.html") == [f"{app}/_home.html" for app in order]
    assert app_block_templates("_nav.html") == [f"{app}/_nav.html" for app in order]


def test_an_app_without_a_block_template_contributes_none():
    assert app_block_templates("_no_such_block.html") == []


def test_demo_data_loads_the_core_first_and_allocations_after_the_budgets():
    assert demo_modules() == [
        "sportloket.demo",
        "providers.demo",
        "poskantoor.demo",
        "meetings.demo",
        "network.demo",
        "subsidies.demo",
        "meetings.demo_allocations",
    ]


def test_an_app_joins_the_demo_data_at_its_declared_position(monkeypatch):
    reports = apps.get_app_config("reports")
    assert getattr(reports, "menu_position", None) is None
    monkeypatch.setattr(type(reports), "demo_data", ((5, "no_such_module"),), raising=False)
    assert demo_modules()[1] == "reports.no_such_module"
