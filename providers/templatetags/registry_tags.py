"""The provider registry's rows, written in Python.

Each of the page's 25 to 100 rows has seven cells; through the template engine every cell is a
variable lookup, an autoescape and a tag (`{% if %}`, `{% translate %}`), several milliseconds
per page. Here a row is one format string with its escaped values (the same HTML).
"""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()

ROW = (
    "\n    <tr>\n"
    '      <td><a href="{url}">{name}</a>{kvk}</td>\n'
    "      <td>{kind}</td>\n"
    "      <td>{municipality}</td>\n"
    "      <td>{sports}</td>\n"
    "      <td>{target_groups}</td>\n"
    '      <td><span class="badge status-badge {status_badge}">{status}</span></td>\n'
    "      <td>{eligibility}</td>\n"
    "    </tr>\n  "
)
STATUS_BADGES = {"active": "text-bg-success", "pending": "text-bg-warning"}


@register.simple_tag
def registry_rows(rows) -> str:
    """The ``<tr>`` elements of ``rows`` (``providers.selectors.RegistryRow``)."""
    eligible = (
        f'<span class="badge status-badge text-bg-success">{escape(gettext("eligible"))}</span>'
    )
    not_eligible = (
        f'<span class="badge status-badge text-bg-danger">{escape(gettext("not eligible"))}</span>'
    )
    html = [
        ROW.format(
            url=escape(row.url),
            name=escape(row.name),
            kvk=(
                f'<div class="small text-muted">KvK {escape(row.kvk_number)}</div>'
                if row.kvk_number
                else ""
            ),
            kind=escape(row.kind),
            municipality=escape(row.municipality),
            sports=escape(row.sports),
            target_groups=escape(row.target_groups),
            status_badge=STATUS_BADGES.get(row.status, "text-bg-secondary"),
            status=escape(row.status_label),
            eligibility=eligible if row.eligible else not_eligible,
        )
        for row in rows
    ]
    # Every value above is escaped (stdlib html.escape: Django's escaping, without its
    # lazy-string wrapper).
    return mark_safe("".join(html))  # noqa: S308
