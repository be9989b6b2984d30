from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PoskantoorConfig(AppConfig):
    name = "poskantoor"
    verbose_name = _("POS offices")
    default_auto_field = "django.db.models.BigAutoField"
    # Home page and navigation blocks (sportloket.appregistry).
    menu_position = 20
    demo_data = ((20, "demo"),)

    def ready(self) -> None:
        from sportloket import retention as retention_registry

        from . import retention

        retention_registry.register(
            self.label, rules=retention.RULES, inventory=retention.INVENTORY
        )
