from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SportloketConfig(AppConfig):
    name = "sportloket"
    verbose_name = _("Sportloket core")
    default_auto_field = "django.db.models.BigAutoField"
