from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SportloketConfig(AppConfig):
    name = "sportloket"
    verbose_name = _("Sportloket core")
    default_auto_field = "django.db.models.BigAutoField"
    demo_data = ((0, "demo"),)

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in
        from django.db.models import IntegerField

        from . import options  # noqa: F401 - connects the option lists' signal receivers
        from .lookups import IntegerFieldIn
        from .middleware import session_started

        user_logged_in.connect(session_started, dispatch_uid="sportloket-session-started")
        IntegerField.register_lookup(IntegerFieldIn)
