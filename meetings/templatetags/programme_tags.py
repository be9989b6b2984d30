"""Template tags that bring meetings to the POS office pages without poskantoor importing
meetings: poskantoor includes ``meetings/_office_meetings.html`` and
``meetings/_office_list_column.html`` when they exist, and those call these tags."""

from __future__ import annotations

from django import template

from meetings.programme import selectors
from meetings.programme.guideline import Guideline, guideline_for, guidelines_for
from sportloket.selectors import user_scope

register = template.Library()


@register.simple_tag(takes_context=True)
def office_programme(context, office) -> dict:
    """The office page block: this year's guideline, meetings and the open agreements."""
    year = selectors.current_year()
    request = context.get("request")
    scope = user_scope(request.user) if request is not None else None
    return {
        "year": year,
        "guideline": guideline_for(office, year=year),
        "meetings": list(selectors.meetings_for_office_year(office=office, year=year)),
        "agreements": list(selectors.open_agreements(office=office)),
        "can_manage": scope is not None and selectors.can_manage_office(scope, office),
    }


@register.simple_tag
def office_guideline(office, offices) -> Guideline | None:
    """The guideline of ``office``, computed once for all ``offices`` of the page (the first
    call stores each office's result on the office object), so the column costs a fixed number
    of queries however many rows the page has."""
    if not hasattr(office, "_guideline"):
        rows = list(offices)
        computed = guidelines_for(rows, year=selectors.current_year())
        for row in rows:
            row._guideline = computed.get(row.pk)
        if not hasattr(office, "_guideline"):
            office._guideline = guideline_for(office, year=selectors.current_year())
    return office._guideline
