from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Subsidies and budgets")
    default_auto_field = "django.db.models.BigAutoField"
    # Home page and navigation blocks (sportloket.appregistry).
    menu_position = 50
    demo_data = ((50, "demo"),)

    def ready(self) -> None:
        from sportloket import retention as retention_registry

        from . import retention, signals  # noqa: F401 - connects the receivers

        retention_registry.register(self.label, inventory=retention.INVENTORY)
