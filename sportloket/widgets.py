"""Date widgets for the browser's own date pickers.

A ``<input type="date">`` only accepts a value in ISO form (``2026-12-07``) and shows it the
way the browser's language does (07-12-2026 in a Dutch browser); given the Dutch text
``07-12-2026`` it shows an empty field. Django formats a DateInput with the active locale's
first input format, so every date input of the product uses these widgets, which always write
ISO. Reading stays lenient: the fields accept ISO and the Dutch ``dd-mm-yyyy`` that a browser
without a date picker (or a script) posts, because Django adds the ISO formats to the
locale's input formats.
"""

from __future__ import annotations

from django import forms

ISO_DATE = "%Y-%m-%d"
# Minutes precision: a datetime-local input without a ``step`` refuses seconds.
ISO_DATETIME_LOCAL = "%Y-%m-%dT%H:%M"


class DateInput(forms.DateInput):
    """``<input type="date">`` with an ISO value, whatever the active language."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:  # noqa: A002
        super().__init__(attrs=attrs, format=format or ISO_DATE)


class DateTimeInput(forms.DateTimeInput):
    """``<input type="datetime-local">`` with an ISO value in the current time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict | None = None, format: str | None = None) -> None:  # noqa: A002
        super().__init__(attrs=attrs, format=format or ISO_DATETIME_LOCAL)
