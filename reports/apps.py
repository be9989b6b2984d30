from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Dashboards and exports that read the other apps; no models of its own."""

    name = "reports"
    verbose_name = _("Reports")
