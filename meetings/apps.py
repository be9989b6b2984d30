from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = _("Desk contacts and meetings")
    default_auto_field = "django.db.models.BigAutoField"
    # Home page and navigation blocks (sportloket.appregistry).
    menu_position = 30
    demo_data = (
        (30, "demo"),
        (60, "demo_allocations"),
    )

    def ready(self) -> None:
        from poskantoor import hooks
        from sportloket import retention as retention_registry

        from . import pos_hooks, retention

        hooks.register_year_plan_meetings(pos_hooks.year_plan_meeting_rows)
        retention_registry.register(
            self.label, rules=retention.RULES, inventory=retention.INVENTORY
        )
