from django import template

from sportloket.appregistry import app_block_templates

register = template.Library()


@register.simple_tag
def app_nav_templates() -> list[str]:
    """The navigation blocks (``<app>/_nav.html``) that the installed apps provide."""
    return app_block_templates("_nav.html")
