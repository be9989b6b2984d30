from django import template

from sportloket.views import APP_LABELS, existing_templates

register = template.Library()


@register.simple_tag
def app_nav_templates() -> list[str]:
    """The navigation blocks (``<app>/_nav.html``) that the installed apps provide."""
    return existing_templates([f"{app}/_nav.html" for app in APP_LABELS])
