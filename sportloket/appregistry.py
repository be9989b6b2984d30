"""What the installed apps contribute to the core's pages and commands, read from their
``AppConfig`` so that the core names none of them (each app declares, the core collects).

- ``menu_position`` (int): the app may have a block on the home page (``<label>/_home.html``)
  and in the navigation (``<label>/_nav.html``); blocks appear in ascending position. The block
  itself decides, by role, what it shows; access control stays in the views it links to.
- ``demo_data`` (``(position, module)`` pairs): modules of the app with a
  ``load(out, context)`` that ``manage.py demo_data`` runs in ascending position across all
  apps; a later module reads what earlier ones put into ``context`` (desk, users, budgets …),
  which is why the positions, not the app order, decide.
"""

from __future__ import annotations

from django.apps import apps
from django.template import TemplateDoesNotExist
from django.template.loader import get_template


def existing_templates(names: list[str]) -> list[str]:
    found = []
    for name in names:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found


def app_block_templates(block: str) -> list[str]:
    """The ``<label>/<block>`` templates the apps with a ``menu_position`` provide, in order."""
    configs = [c for c in apps.get_app_configs() if getattr(c, "menu_position", None) is not None]
    configs.sort(key=lambda config: config.menu_position)
    return existing_templates([f"{config.label}/{block}" for config in configs])


def demo_modules() -> list[str]:
    """The dotted names of every app's demo modules, in the order they are loaded."""
    steps = [
        (position, f"{config.name}.{module}")
        for config in apps.get_app_configs()
        for position, module in getattr(config, "demo_data", ())
    ]
    return [name for _position, name in sorted(steps)]
