from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from .accounts.constants import RECOVERY_CODES_LOW
from .accounts.selectors import recovery_codes_left
from .appregistry import app_block_templates
from .privacy import privacy_controller, privacy_sections
from .selectors import staff_profile, user_scope


class HomeView(LoginRequiredMixin, TemplateView):
    """The start page of each role: links to that role's work."""

    template_name = "sportloket/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = staff_profile(self.request.user)
        context["scope"] = user_scope(self.request.user)
        context["home_blocks"] = app_block_templates("_home.html")
        context["recovery_codes_left"] = recovery_codes_left(self.request.user)
        context["recovery_codes_low"] = RECOVERY_CODES_LOW
        return context


class PrivacyView(TemplateView):
    """The privacy statement as a municipality publishes it; the retention periods come from
    the retention rules (``sportloket.privacy``), so the page cannot drift from the sweep."""

    template_name = "sportloket/privacy.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["controller"] = privacy_controller()
        context["sections"] = privacy_sections()
        return context
