"""Forms of the desk as network coordination point."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sportloket.models import Desk, Theme
from sportloket.widgets import DateInput

from .constants import MANUAL_CRITERIA, Criterion, SignalSource
from .models import NeighbourhoodSportCoach
from .selectors import NETWORK_DOMAINS


class SignalForm(forms.Form):
    desk = forms.ModelChoiceField(label=_("Desk"), queryset=Desk.objects.none())
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all())
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ChoiceField(label=_("Source"), choices=SignalSource.choices)
    recorded_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, desks, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["desk"].queryset = desks
        self.fields["recorded_on"].initial = timezone.localdate()
        if len(desks) == 1:
            self.fields["desk"].initial = desks[0].pk
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Record signal")))


class TickForm(forms.Form):
    criterion = forms.ChoiceField(
        label=_("Criterion"),
        choices=[(c.value, c.label) for c in Criterion if c in MANUAL_CRITERIA],
    )
    evidence = forms.CharField(
        label=_("Evidence"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    ticked_on = forms.DateField(label=_("Date"), widget=DateInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ticked_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Tick criterion")))


class NetworkFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    domain = forms.ChoiceField(label=_("Domain"), required=False)
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [("", _("All domains"))] + [
            (d.value, d.label) for d in NETWORK_DOMAINS
        ]
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_class = "row row-cols-lg-auto g-2 align-items-end"
        self.helper.add_input(Submit("", _("Search"), css_class="btn-secondary"))


class CoachForm(forms.ModelForm):
    class Meta:
        model = NeighbourhoodSportCoach
        fields = ["name", "employer", "hours_per_week", "target_groups", "neighbourhoods", "email"]
        widgets = {"target_groups": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hours_per_week"].localize = True
        self.fields["hours_per_week"].widget.is_localized = True
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Add coach")))


class GoalForm(forms.Form):
    description = forms.CharField(
        label=_("Specific description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    indicator = forms.CharField(label=_("Indicator"), max_length=200)
    baseline = forms.DecimalField(
        label=_("Baseline"), max_digits=12, decimal_places=2, localize=True
    )
    target_value = forms.DecimalField(
        label=_("Target value"), max_digits=12, decimal_places=2, localize=True
    )
    agreed_on = forms.DateField(label=_("Agreed on"), widget=DateInput())
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    measured_by = forms.CharField(label=_("Who measures"), max_length=200)
    measure_every_months = forms.IntegerField(
        label=_("Measure every (months)"), min_value=1, max_value=24, initial=3
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreed_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Record goal")))


class ProgressForm(forms.Form):
    goal = forms.ModelChoiceField(label=_("SMART goal"), queryset=None)
    measured_on = forms.DateField(label=_("Measured on"), widget=DateInput())
    value = forms.DecimalField(label=_("Value"), max_digits=12, decimal_places=2, localize=True)
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, goals, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals
        self.fields["measured_on"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.add_input(Submit("submit", _("Record progress")))
