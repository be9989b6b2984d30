"""The rows of the POS national dashboard's two long tables, written in Python.

Each table has a row per municipality (342): through the template engine their 6,000 variable
nodes (a lookup, a conversion and an escape each) were the largest part of the page's time.
Here every cell is escaped once (as the template engine escapes it) and the rows joined; the
HTML is the same.
"""

import html
import re

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


# A character ``html.escape`` would replace; most cells (numbers, names, labels) have none.
_SPECIAL = re.compile("[&<>\"']").search


def _esc(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper (a third of its cost, 5,000
    times a page): safe text as it is, anything else through the same ``html.escape`` —
    skipped, with the same result, when the text has nothing to escape (one regular
    expression search instead of five replacements)."""
    if type(value) is str:  # most cells: plain text
        return html.escape(value) if _SPECIAL(value) else value
    if hasattr(value, "__html__"):
        return value.__html__()
    text = str(value)
    return html.escape(text) if _SPECIAL(text) else text


@register.simple_tag
def map_table_rows(rows) -> SafeString:
    """The ``<tr>`` of the map's table, one per ``reports.maps.selectors.MapRow``."""
    esc = _esc
    overdue = esc(gettext("deadline passed"))
    html = []
    for row in rows:
        name = esc(row.name)
        link = f'<a href="{esc(row.href)}">{name}</a>' if row.href else name
        mark = " data-overdue" if row.marked else ""
        html.append(
            f'<tr data-code="{esc(row.code)}" data-state="{esc(row.state)}"{mark}>'
            f"<td>{link}</td><td>{esc(row.province)}</td><td>{esc(row.label)}</td>"
            f"<td>{overdue if row.marked else ''}</td></tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every part escaped above


@register.simple_tag
def office_table_rows(rows) -> SafeString:
    """The ``<tr>`` of the offices' table, from the view's plain rows (``office_table``)."""
    esc = _esc
    html = []
    for url, name, province, step, days, core, network, guideline, decision in rows:
        html.append(
            f'<tr><td><a href="{esc(url)}">{esc(name)}</a></td><td>{esc(province)}</td>'
            f'<td>{esc(step)}</td><td class="text-end">{esc(days)}</td>'
            f'<td class="text-end">{esc(core)}</td><td class="text-end">{esc(network)}</td>'
            f"<td>{esc(guideline)}</td><td data-decision>{esc(decision)}</td></tr>"
        )
    return mark_safe("".join(html))  # noqa: S308 - every part escaped above


@register.simple_tag
def overdue_table_rows(rows, empty: str) -> SafeString:
    """The ``<tr>`` of the overdue steps' table, from the view's plain rows (``overdue_table``),
    or one row saying ``empty`` when there are none."""
    esc = _esc
    if not rows:
        return mark_safe(f'<tr><td colspan="4">{esc(empty)}</td></tr>')  # noqa: S308 - escaped
    html = []
    for url, name, step, deadline, days in rows:
        html.append(
            f'<tr><td><a href="{esc(url)}">{esc(name)}</a></td><td>{esc(step)}</td>'
            f'<td>{esc(deadline)}</td><td class="text-end">{esc(days)}</td></tr>'
        )
    return mark_safe("".join(html))  # noqa: S308 - every part escaped above
