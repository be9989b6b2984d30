"""One form per use case of the POS-office pages."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.constants import ProviderKind
from providers.models import Provider
from sportloket.constants import ThemeKind
from sportloket.forms import HoneypotMixin, PrivacyConsentMixin
from sportloket.models import Municipality, TargetGroup, Theme
from sportloket.money import format_amount, parse_euro
from sportloket.services import DomainError
from sportloket.widgets import DateInput

from .constants import Decision, MemberKind, OfficeStatus, SessionTopic, StepCode, VersionStatus
from .models import ProcessVersion

DATE_WIDGET = DateInput()


class InterestForm(HoneypotMixin, PrivacyConsentMixin, forms.Form):
    """The public interest form of a municipality (step 1)."""

    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.filter(active=True).order_by("name"),
        empty_label=_("Choose your municipality"),
        error_messages={"required": _("Choose your municipality.")},
    )
    organisation_name = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_("Department of the municipality or the sportbedrijf."),
        error_messages={"required": _("Fill in your organisation.")},
    )
    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Fill in your name.")},
    )
    email = forms.EmailField(
        label=_("E-mail"),
        error_messages={
            "required": _("Fill in your e-mail address."),
            "invalid": _("Fill in a valid e-mail address, like naam@gemeente.nl."),
        },
    )
    phone = forms.RegexField(
        label=_("Phone"),
        required=False,
        regex=r"^[0-9+() \-]{10,20}$",
        error_messages={"invalid": _("Fill in a valid phone number, like 030 123 45 67.")},
    )
    message = forms.CharField(
        label=_("What would you like to achieve with a POS office?"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "municipality",
            "organisation_name",
            "contact_name",
            "email",
            "phone",
            "message",
            HoneypotMixin.honeypot_layout(),
            "privacy_consent",
            Submit("submit", _("Register interest")),
        )


class StepCompleteForm(forms.Form):
    """Recording a step: the day it was planned and/or the day it was held (real dates, also
    when entered afterwards), the evidence, and for step 3 the decision taken when it was
    held."""

    planned_on = forms.DateField(
        label=_("Planned on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("The day the meeting was scheduled."),
        error_messages={"invalid": _("Fill in a valid date.")},
    )
    held_on = forms.DateField(
        label=_("Held on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_("The day it took place; leave empty when it has only been planned."),
        error_messages={"invalid": _("Fill in a valid date.")},
    )
    evidence_note = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What happened, and where the minutes or agreements are."),
    )
    decision = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", "---------"), *Decision.choices],
        widget=forms.RadioSelect,
    )
    stop_reason = forms.CharField(
        label=_("Reason for ending"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, step=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.step = step
        fields = ["planned_on", "held_on", "evidence_note"]
        if step is not None and step.planned_on is not None:
            self.fields["planned_on"].disabled = True
            self.initial["planned_on"] = step.planned_on
        if step is not None and step.code == StepCode.KARTREKKERS:
            self.fields["decision"].choices = Decision.choices
            fields += ["decision", "stop_reason"]
        else:
            del self.fields["decision"]
            del self.fields["stop_reason"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*fields)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        planned_now = data.get("planned_on") if not self.fields["planned_on"].disabled else None
        if not planned_now and not data.get("held_on"):
            raise forms.ValidationError(_("Fill in the day it was planned or the day it was held."))
        if "decision" in self.fields:
            if data.get("held_on") and not data.get("decision"):
                self.add_error("decision", _("Choose GO or one of the NO-GO outcomes."))
            if data.get("decision") and not data.get("held_on"):
                self.add_error(
                    "held_on", _("The decision is taken at the meeting: fill in when it was held.")
                )
        if data.get("decision") == Decision.NO_GO_STOP and not data.get("stop_reason", "").strip():
            self.add_error("stop_reason", _("Give the reason for ending the founding process."))
        return data


class OfficeVersionForm(forms.Form):
    """POS moves an office onto another published version of the process definition."""

    version = forms.ModelChoiceField(
        label=_("Process version"),
        queryset=ProcessVersion.objects.none(),
        error_messages={"required": _("Choose a version.")},
    )

    def __init__(self, *args, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].queryset = ProcessVersion.objects.filter(
            status=VersionStatus.PUBLISHED
        ).exclude(pk=office.process_version_id if office else None)


class StartSessionForm(forms.Form):
    topic = forms.ChoiceField(label=_("Topic"), choices=SessionTopic.choices)
    held_on = forms.DateField(
        label=_("Held on"),
        widget=DATE_WIDGET,
        error_messages={"required": _("Fill in the date."), "invalid": _("Fill in a valid date.")},
    )
    evidence_note = forms.CharField(
        label=_("Notes"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("held_on", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False


class CoreMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=MemberKind.choices)
    provider = forms.ModelChoiceField(
        label=_("Sport provider"),
        required=False,
        queryset=Provider.objects.none(),
        help_text=_("Required for entrepreneurs."),
    )
    email = forms.EmailField(label=_("E-mail"), required=False)
    hours_per_week = forms.DecimalField(
        label=_("Hours per week"), min_value=0, max_value=40, max_digits=4, decimal_places=1
    )
    committed_from = forms.DateField(label=_("Committed from"), widget=DATE_WIDGET)
    committed_until = forms.DateField(label=_("Committed until"), widget=DATE_WIDGET)

    def __init__(self, *args, office=None, **kwargs):
        super().__init__(*args, **kwargs)
        if office is not None:
            self.fields["provider"].queryset = (
                Provider.objects.filter(municipality_id=office.municipality_id)
                .exclude(kind=ProviderKind.CLUB)
                .order_by("name")
            )
        if not self.is_bound:
            self.initial.setdefault("committed_from", timezone.localdate())
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean(self):
        data = super().clean()
        kind, provider = data.get("kind"), data.get("provider")
        if kind == MemberKind.ENTREPRENEUR and provider is None:
            self.add_error("provider", _("An entrepreneur must be linked to a sport provider."))
        if kind and kind != MemberKind.ENTREPRENEUR and provider is not None:
            self.add_error("provider", _("Only entrepreneurs are linked to a sport provider."))
        start, end = data.get("committed_from"), data.get("committed_until")
        if start and end and end < start:
            self.add_error("committed_until", _("The commitment cannot end before it starts."))
        return data


class OfficeFilterForm(forms.Form):
    step = forms.ChoiceField(
        label=_("Step"), required=False, choices=[("", _("All steps")), *StepCode.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *OfficeStatus.choices]
    )
    province = forms.ChoiceField(label=_("Province"), required=False)
    overdue = forms.BooleanField(label=_("Only overdue"), required=False)

    def __init__(self, *args, provinces: list[str] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].choices = [("", _("All provinces"))] + [(p, p) for p in provinces]


class YearPlanForm(forms.Form):
    """The year plan of one office and year (seed 000 step 5)."""

    short_term_goals = forms.CharField(
        label=_("Short-term goals"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    long_term_vision = forms.CharField(
        label=_("Long-term vision"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    stakeholder_analysis = forms.CharField(
        label=_("Stakeholder analysis"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    cooperation_agreements = forms.CharField(
        label=_("Cooperation agreements"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    target_groups = forms.ModelMultipleChoiceField(
        label=_("Target groups"),
        required=False,
        queryset=TargetGroup.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    themes = forms.ModelMultipleChoiceField(
        label=_("Sportakkoord themes"),
        required=False,
        queryset=Theme.objects.filter(kind=ThemeKind.SPORTAKKOORD).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
    )
    target_groups_note = forms.CharField(
        label=_("Target groups and themes: joint approach"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    budget_lines = forms.CharField(
        label=_("Budget lines"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One line per item: description; amount — e.g. Startbijeenkomst; 1.250,50"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("save", _("Save year plan")))

    def clean_budget_lines(self) -> list[dict[str, str]]:
        lines = []
        for number, raw in enumerate(self.cleaned_data["budget_lines"].splitlines(), start=1):
            if not raw.strip():
                continue
            description, sep, amount_text = raw.rpartition(";")
            if not sep or not description.strip():
                raise forms.ValidationError(
                    _("Line %(n)d: write a description, a semicolon and an amount in euros.")
                    % {"n": number}
                )
            try:
                amount = parse_euro(amount_text)
            except DomainError as exc:
                raise forms.ValidationError(
                    _("Line %(n)d: %(reason)s") % {"n": number, "reason": exc.message}
                ) from exc
            lines.append({"description": description.strip()[:200], "amount": str(amount)})
        return lines

    @staticmethod
    def initial_for(plan) -> dict:
        if plan is None:
            return {}
        return {
            "short_term_goals": plan.short_term_goals,
            "long_term_vision": plan.long_term_vision,
            "stakeholder_analysis": plan.stakeholder_analysis,
            "cooperation_agreements": plan.cooperation_agreements,
            "target_groups": list(plan.target_groups.all()),
            "themes": list(plan.themes.all()),
            "target_groups_note": plan.target_groups_note,
            "budget_lines": "\n".join(
                f"{line['description']}; {format_amount(Decimal(line['amount']))}"
                for line in plan.budget_lines
            ),
        }


class OfficePublicFaceForm(forms.Form):
    """The office's public page and its contact person, set by the policy officer."""

    is_public = forms.BooleanField(
        label=_("Show this POS office on the public website"),
        required=False,
        help_text=_(
            "The public page shows the office's name, municipality and phase, the public "
            "meetings and how an entrepreneur joins."
        ),
    )
    public_contact_name = forms.CharField(
        label=_("Public contact person"), max_length=200, required=False
    )
    public_contact_email = forms.EmailField(
        label=_("E-mail of the contact person"),
        required=False,
        error_messages={"invalid": _("Fill in a valid e-mail address, like naam@gemeente.nl.")},
    )
    public_contact_phone = forms.RegexField(
        label=_("Phone of the contact person"),
        required=False,
        regex=r"^[0-9+() \-]{10,20}$",
        error_messages={"invalid": _("Fill in a valid phone number, like 030 123 45 67.")},
    )
    contact_consent = forms.BooleanField(
        label=_(
            "The contact person agreed that their name and these contact details are shown "
            "on the public page."
        ),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False

    @classmethod
    def for_office(cls, office, data=None) -> OfficePublicFaceForm:
        return cls(
            data,
            initial={
                "is_public": office.is_public,
                "public_contact_name": office.public_contact_name,
                "public_contact_email": office.public_contact_email,
                "public_contact_phone": office.public_contact_phone,
                "contact_consent": office.public_contact_consent_at is not None,
            },
        )
