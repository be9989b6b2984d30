"""One form per use case of the desk's support questions."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from providers.models import kvk_validator
from sportloket.forms import HoneypotMixin, PrivacyConsentMixin, plain_text
from sportloket.models import Municipality, Organisation, QuestionCategory
from sportloket.money import format_euro
from sportloket.widgets import DateInput
from subsidies.forms import DecisionForm

from .constants import TRANSITIONS, Channel, ContactChannel, Priority, SupportStatus


class PublicQuestionForm(HoneypotMixin, PrivacyConsentMixin, forms.Form):
    """The desk's public question form; its free text is plain text like the interest form's."""

    provider_name = forms.CharField(
        label=_("Name of your club or business"), max_length=200, validators=[plain_text]
    )
    kvk_number = forms.CharField(
        label=_("KvK number"),
        max_length=8,
        required=False,
        validators=[kvk_validator],
        help_text=_("If you have one: we use it to recognise you."),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.filter(active=True)
    )
    contact_name = forms.CharField(label=_("Your name"), max_length=200, validators=[plain_text])
    email = forms.EmailField(label=_("Your e-mail address"))
    category = forms.ModelChoiceField(
        label=_("What is your question about?"),
        queryset=QuestionCategory.objects.all(),
        required=False,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[plain_text])
    question = forms.CharField(
        label=_("Your question"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        validators=[plain_text],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "provider_name",
            "kvk_number",
            "municipality",
            "contact_name",
            "email",
            "category",
            "subject",
            "question",
            "privacy_consent",
            HoneypotMixin.honeypot_layout(),
            Submit("submit", _("Send question")),
        )


class StaffQuestionForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[c for c in Channel.choices if c[0] != Channel.FORM]
    )
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=QuestionCategory.objects.all(), required=False
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    question = forms.CharField(
        label=_("Question"), max_length=5000, widget=forms.Textarea(attrs={"rows": 5})
    )
    requester_name = forms.CharField(label=_("Requester"), max_length=200, required=False)
    requester_email = forms.EmailField(
        label=_("Requester e-mail"),
        required=False,
        help_text=_("Receives the private link; empty: the provider's e-mail address."),
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Register question")))


# Which status to pass through when the one a user wants is not allowed directly, in order of
# preference: the usual way is to resolve first, then close.
VIA_PREFERENCE = (
    SupportStatus.RESOLVED,
    SupportStatus.TRIAGED,
    SupportStatus.WAITING_FOR_PROVIDER,
)
# Statuses the status control never offers: a handover has its own form with the receiving
# organisation and the note, and no question goes back to new.
NOT_OFFERED = frozenset({SupportStatus.HANDED_OVER, SupportStatus.NEW})


def status_choices(current: str) -> list[tuple[str, str]]:
    """The statuses a question can be changed to from ``current``, in workflow order."""
    allowed = TRANSITIONS[SupportStatus(current)] - NOT_OFFERED
    return [(value, label) for value, label in SupportStatus.choices if value in allowed]


def status_ways_through(current: str) -> list[str]:
    """For each status not reachable in one step from ``current``, the way through one other
    status, if there is one: "resolve, then close"."""
    current = SupportStatus(current)
    allowed = TRANSITIONS[current]
    ways = []
    for target in SupportStatus:
        if target in allowed or target in NOT_OFFERED or target == current:
            continue
        via = next(
            (v for v in VIA_PREFERENCE if v in allowed and target in TRANSITIONS[v]),
            None,
        )
        if via is not None:
            ways.append(
                _("To change it to “%(target)s”, first change it to “%(via)s”.")
                % {"target": target.label, "via": via.label}
            )
    return ways


class StatusForm(forms.Form):
    """The status control of one question: it starts on the current status and offers only the
    changes the workflow allows from there (design §2's table), and says how to reach the
    statuses that need a step in between. While a handover awaits the receiving
    organisation's answer it offers nothing: the services refuse any change until then."""

    status = forms.ChoiceField(
        label=_("New status"),
        error_messages={"required": _("Choose the new status.")},
    )
    text = forms.CharField(
        label=_("Explanation for the requester"), max_length=2000, required=False
    )

    def __init__(self, *args, current: str, handover_pending: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = SupportStatus(current)
        choices = [] if handover_pending else status_choices(current)
        field = self.fields["status"]
        field.choices = [
            ("", _("%(status)s (current status)") % {"status": self.current.label}),
            *choices,
        ]
        field.initial = ""
        field.error_messages["invalid_choice"] = _(
            "A question with status “%(status)s” cannot be changed to that status."
        ) % {"status": self.current.label}
        if handover_pending:
            self.explanation = [
                _(
                    "This question is waiting for the receiving organisation's answer; its "
                    "status can change when they decline or do not answer in time."
                )
            ]
        elif not choices:
            self.explanation = [
                _("A question with status “%(status)s” cannot change status any more.")
                % {"status": self.current.label}
            ]
        else:
            self.explanation = status_ways_through(current)
        self.can_change = bool(choices)
        if self.explanation:
            field.help_text = " ".join(str(e) for e in self.explanation)
            field.error_messages["invalid_choice"] += " " + field.help_text


class DeskOverviewForm(forms.Form):
    enabled = forms.BooleanField(
        label=_("Send me the daily overview"),
        required=False,
        help_text=_(
            "Every working morning: the questions assigned to you, and your desk's questions "
            "without an assignee, that are due today or overdue. Not sent when there are none."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Save")))


class AssignForm(forms.Form):
    assignee = forms.TypedChoiceField(label=_("Assign to"), coerce=int, required=False)

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.staff = {u.pk: u for u in staff}
        self.fields["assignee"].choices = [("", _("Nobody"))] + [
            (u.pk, u.get_full_name() or u.username) for u in staff
        ]


class ClassifyForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=QuestionCategory.objects.all(), required=False
    )
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, required=False
    )


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    public = forms.TypedChoiceField(
        label=_("Kind"),
        choices=[
            ("0", _("Internal note (never shown to the requester)")),
            ("1", _("Message to the requester")),
        ],
        coerce=lambda v: v == "1",
        initial="0",
    )


class ProviderMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Add information"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class HandoverForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Hand over to"), queryset=Organisation.objects.none()
    )
    note = forms.CharField(
        label=_("Note for the receiving organisation"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, desk_id, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(desks__id=desk_id)


class HandoverAcceptForm(forms.Form):
    helper_name = forms.CharField(
        label=_("Who will help"),
        max_length=200,
        required=False,
        help_text=_("Empty: your own name."),
    )
    help_by = forms.DateField(
        label=_("Contact with the requester by"),
        required=False,
        widget=DateInput(),
    )

    def clean_help_by(self):
        value = self.cleaned_data["help_by"]
        if value and value < timezone.localdate():
            raise forms.ValidationError(_("This date is in the past."))
        return value


class HandoverDeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for declining"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class HandoverOutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome for the desk"),
        help_text=_("What you did for the requester and how it ended."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BulkForm(forms.Form):
    ACTIONS = [
        ("assign_me", _("Assign to me")),
        ("assign", _("Assign to colleague")),
        ("priority", _("Set priority")),
        ("category", _("Set category")),
        ("status", _("Change status")),
    ]
    ids = forms.TypedMultipleChoiceField(coerce=int)
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    assignee = forms.TypedChoiceField(label=_("Colleague"), coerce=int, required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=[("", "—"), *Priority.choices], coerce=int, required=False
    )
    category = forms.TypedChoiceField(label=_("Category"), coerce=int, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", "—")]
        + [c for c in SupportStatus.choices if c[0] != SupportStatus.HANDED_OVER],
        required=False,
    )

    def __init__(self, *args, options, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(v, v) for v in self.data.getlist("ids")] if self.data else []
        self.fields["ids"].error_messages["required"] = _("Select at least one question.")
        self.fields["assignee"].choices = [("", "—")] + options.staff_choices
        self.fields["category"].choices = [("", "—"), *options.category_choices]
        self.staff = {u.pk: u for u in options.staff}
        self.categories = {c.pk: c for c in options.categories}


class ContactMomentForm(forms.Form):
    provider = forms.ModelChoiceField(label=_("Provider"), queryset=None)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    channel = forms.ChoiceField(label=_("Channel"), choices=ContactChannel.choices)
    summary = forms.CharField(
        label=_("Summary"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, providers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = providers
        self.fields["date"].initial = timezone.localdate()
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Record contact moment")))


class QuestionAllocationForm(DecisionForm):
    """A decision on money for a support question, from one of its desk's budgets."""

    budget = forms.ModelChoiceField(queryset=None, label=_("Budget"))
    field_order = ["budget"]

    def __init__(self, *args, budgets, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["budget"]
        field.queryset = budgets
        field.label_from_instance = lambda b: (
            _("%(budget)s (%(remaining)s left)")
            % {
                "budget": f"{b.name} {b.year}",
                "remaining": format_euro(b.remaining),
            }
        )
