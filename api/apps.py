from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    """The REST API: reads and writes through the other apps' selectors and services, so the
    API and the pages keep one set of rules. Above every other app in the layering."""

    name = "api"
    verbose_name = _("API")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sportloket import retention as retention_registry

        from . import openapi, retention  # noqa: F401 - openapi registers the auth schemes

        retention_registry.register(self.label, inventory=retention.INVENTORY)
