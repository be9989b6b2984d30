"""One form per use case of the joint decision."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportloket.widgets import DateInput

from ..constants import Decision

DATE_WIDGET = DateInput()
DATE_ERRORS = {"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")}


def _helper() -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False
    return helper


class DecisionProposeForm(forms.Form):
    """One side records the GO / NO-GO; with unmet basic conditions a GO needs a reason."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose GO or one of the NO-GO outcomes.")},
    )
    decided_on = forms.DateField(
        label=_("Date of the decision"), widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    reason = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the founding process ends."),
    )
    conditions_reason = forms.CharField(
        label=_("Why start with POS support while basic conditions are unmet"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, unmet=(), **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("decided_on", timezone.localdate())
        if not unmet:
            del self.fields["conditions_reason"]
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("decision") == Decision.NO_GO_STOP and not data.get("reason", "").strip():
            self.add_error("reason", _("Give the reason for ending the founding process."))
        return data


class DecisionConfirmForm(forms.Form):
    conditions_reason = forms.CharField(
        label=_("Why start with POS support while basic conditions are unmet"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class DecisionObjectForm(forms.Form):
    objection_reason = forms.CharField(
        label=_("Reason for the objection"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give the reason for your objection.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()


class MappingForm(forms.Form):
    stated_on = forms.DateField(
        label=_("Mapped on"), widget=DATE_WIDGET, error_messages=DATE_ERRORS
    )
    note = forms.CharField(
        label=_("How the entrepreneurs were mapped"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("stated_on", timezone.localdate())
        self.helper = _helper()
