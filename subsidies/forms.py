from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.constants import ProviderKind
from sportloket.models import TargetGroup, Theme
from sportloket.money import format_amount, parse_euro
from sportloket.services import DomainError
from sportloket.widgets import DateInput

from .constants import BudgetKind, Decision
from .models import Scheme

# One page of the matching providers is 50 rows; more ticked ids than this is not a real form.
MAX_CHOSEN = 200


class EuroField(forms.CharField):
    """An amount in euros as ``sportloket.money.parse_euro`` reads it; refuses negative
    amounts, more than two decimals and text with a clear message."""

    def __init__(self, *, allow_zero: bool = False, **kwargs):
        self.allow_zero = allow_zero
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        return {**attrs, "inputmode": "decimal", "autocomplete": "off", "maxlength": "20"}

    def prepare_value(self, value):
        """An initial Decimal is shown as people type it ("1.250,00"), typed text as typed."""
        return format_amount(value) if isinstance(value, Decimal) else value

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if self.allow_zero and text.replace("€", "").strip().strip("0.,") == "":
            return Decimal("0.00")
        try:
            return parse_euro(text)
        except DomainError as exc:
            raise forms.ValidationError(exc.message, code="amount") from exc


class SchemeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    target_group = forms.ModelChoiceField(
        TargetGroup.objects.all(), label=_("Target group"), required=False
    )
    theme = forms.ModelChoiceField(
        Theme.objects.filter(kind="sportakkoord"), label=_("Theme"), required=False
    )
    kind = forms.ChoiceField(
        label=_("Provider kind"),
        choices=[("", "---------"), *ProviderKind.choices],
        required=False,
    )
    open_only = forms.BooleanField(label=_("Open now"), required=False)


class SchemeForm(forms.ModelForm):
    link = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    amount_min = EuroField(label=_("Minimum amount (€)"), required=False, allow_zero=True)
    amount_max = EuroField(label=_("Maximum amount (€)"), required=False)

    class Meta:
        model = Scheme
        fields = [
            "name",
            "funder",
            "description",
            "link",
            "for_clubs",
            "for_entrepreneurs",
            "for_other",
            "target_groups",
            "themes",
            "amount_min",
            "amount_max",
            "opens_on",
            "closes_on",
            "active",
        ]
        widgets = {
            "target_groups": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
            "opens_on": DateInput(),
            "closes_on": DateInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["themes"].queryset = Theme.objects.filter(kind="sportakkoord")
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save")))


class ProviderIdsField(forms.TypedMultipleChoiceField):
    """Provider ids ticked on any page of the list; the form checks them against the database
    (``allowed``) instead of against a list of every choice."""

    def valid_value(self, value) -> bool:
        return True


class ShareForm(forms.Form):
    """Share with the chosen providers, or with every matching provider not reached yet."""

    providers = ProviderIdsField(
        label=_("Providers"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    all_matching = forms.BooleanField(label=_("All matching providers"), required=False)

    def __init__(self, *args, allowed: Callable[[list[int]], set[int]], **kwargs):
        """``allowed(ids)`` returns which of ``ids`` may be chosen (one query)."""
        super().__init__(*args, **kwargs)
        self.allowed = allowed

    def clean_providers(self):
        ids = self.cleaned_data["providers"]
        if ids and len(ids) > MAX_CHOSEN:
            raise forms.ValidationError(
                _("Choose at most %(max)d providers, or all matching ones.") % {"max": MAX_CHOSEN}
            )
        if ids and set(ids) - self.allowed(ids):
            raise forms.ValidationError(
                _("Choose providers that fit this scheme and did not receive it yet.")
            )
        return ids

    def clean(self):
        data = super().clean()
        if not data.get("all_matching") and not data.get("providers") and not self.errors:
            raise forms.ValidationError(_("Choose at least one provider, or all matching ones."))
        return data


class BudgetUpdateForm(forms.Form):
    """Name, kind and total of an existing budget; desk and year stay as they are."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=BudgetKind.choices)
    total = EuroField(label=_("Total (€)"), allow_zero=True)
    submit_label = _("Save changes")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", self.submit_label))


class BudgetForm(BudgetUpdateForm):
    """A new budget: a desk and year, and the fields of any budget."""

    desk = forms.ModelChoiceField(queryset=None, label=_("Desk"))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    field_order = ["desk", "year", "kind", "name", "total"]
    submit_label = _("Add budget")

    def __init__(self, *args, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = desks
        if len(desks) == 1:
            self.fields["desk"].initial = desks.first()
        self.fields["year"].initial = timezone.localdate().year


class DecisionForm(forms.Form):
    """What every decision on money asks: amount, decision, written rationale and date. The
    recipient field is added by the form of each use case (a provider here, a budget for a
    support question in ``meetings``)."""

    amount = EuroField(label=_("Amount (€)"))
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    rationale = forms.CharField(
        label=_("Rationale"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Why this decision: it is shown in the transparency overview."),
    )
    decided_on = forms.DateField(label=_("Decided on"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decided_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Record decision")))

    def clean_rationale(self):
        text = self.cleaned_data["rationale"].strip()
        if not text:
            raise forms.ValidationError(_("Write down why: every decision needs a rationale."))
        return text


class AllocationForm(DecisionForm):
    provider = forms.ModelChoiceField(queryset=None, label=_("Sport provider"))
    field_order = ["provider"]

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for withdrawal"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown in the transparency overview with the withdrawal."),
    )

    def clean_reason(self):
        text = self.cleaned_data["reason"].strip()
        if not text:
            raise forms.ValidationError(_("Write down why the allocation is withdrawn."))
        return text
