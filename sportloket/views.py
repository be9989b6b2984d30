from django.contrib.auth.mixins import LoginRequiredMixin
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.views.generic import TemplateView

from .accounts.constants import RECOVERY_CODES_LOW
from .accounts.selectors import recovery_codes_left
from .selectors import staff_profile, user_scope

# Each app may contribute a block to the home page and to the navigation. The block itself
# decides, by role, what it shows; access control stays in the views it links to.
APP_LABELS = ("providers", "poskantoor", "meetings", "network", "subsidies")


def existing_templates(names: list[str]) -> list[str]:
    found = []
    for name in names:
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        found.append(name)
    return found


class HomeView(LoginRequiredMixin, TemplateView):
    """The start page of each role: links to that role's work."""

    template_name = "sportloket/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["profile"] = staff_profile(self.request.user)
        context["scope"] = user_scope(self.request.user)
        context["home_blocks"] = existing_templates([f"{app}/_home.html" for app in APP_LABELS])
        context["recovery_codes_left"] = recovery_codes_left(self.request.user)
        context["recovery_codes_low"] = RECOVERY_CODES_LOW
        return context


class PrivacyView(TemplateView):
    template_name = "sportloket/privacy.html"
