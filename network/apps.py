from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "network"
    verbose_name = _("Local sport network")
    default_auto_field = "django.db.models.BigAutoField"
    # Home page and navigation blocks (sportloket.appregistry).
    menu_position = 40
    demo_data = ((40, "demo"),)

    def ready(self) -> None:
        from meetings import hooks
        from sportloket import retention as retention_registry

        from . import retention, selectors

        hooks.register_signals(for_meeting=selectors.signals_for_meeting)
        hooks.register_desk_texts(selectors.signal_texts_for_erasure)
        retention_registry.register(self.label, inventory=retention.INVENTORY)
