"""Forms of meetings: one per use case."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from poskantoor.constants import Decision, SessionTopic
from providers.models import Provider
from sportloket.models import Organisation, TargetGroup, Theme
from sportloket.widgets import DateInput

from .constants import FOUNDING_STEP_OF_KIND, AgreementKind, AttendeeRole, MeetingKind
from .programmes import PROGRAMME_CHOICES

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
DATE_WIDGET = DateInput()
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    start_time = forms.TimeField(label=_("Start time"), widget=TIME_WIDGET)
    end_time = forms.TimeField(label=_("End time"), widget=TIME_WIDGET)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    online_url = forms.URLField(label=_("Online link"), required=False, assume_scheme="https")
    agenda = forms.CharField(
        label=_("Agenda"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    goals = forms.CharField(
        label=_("Goals"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    session_topic = forms.ChoiceField(
        label=_("Start session topic"),
        choices=[("", "—"), *SessionTopic.choices],
        required=False,
    )
    municipality_presented = forms.BooleanField(
        label=_("The municipality presents its target groups and themes"), required=False
    )
    planned_on = forms.DateField(
        label=_("Planned on"),
        required=False,
        widget=DATE_WIDGET,
        help_text=_(
            "For a meeting entered afterwards: the day it was scheduled. Empty: today, or the "
            "meeting's own day when that has passed."
        ),
    )

    def __init__(self, *args, for_desk: bool = False, planning: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if for_desk or not planning:
            # The planning day is recorded once, when a founding meeting is first planned.
            del self.fields["planned_on"]
        if for_desk:
            self.fields["kind"].choices = [
                c for c in MeetingKind.choices if c[0] not in FOUNDING_STEP_OF_KIND
            ]

    @staticmethod
    def initial_for(meeting) -> dict:
        start = meeting.starts_at.astimezone(AMSTERDAM)
        end = meeting.ends_at.astimezone(AMSTERDAM)
        return {
            "kind": meeting.kind,
            "title": meeting.title,
            "date": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "location": meeting.location,
            "online_url": meeting.online_url,
            "agenda": meeting.agenda,
            "goals": meeting.goals,
            "session_topic": meeting.session_topic,
            "municipality_presented": meeting.municipality_presented,
        }

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if day and start and end:
            if end <= start:
                self.add_error("end_time", _("The meeting must end after it starts."))
            data["starts_at"] = dt.datetime.combine(day, start, tzinfo=AMSTERDAM)
            data["ends_at"] = dt.datetime.combine(day, end, tzinfo=AMSTERDAM)
        if data.get("kind", "").startswith("start_session") and not data.get("session_topic"):
            self.add_error("session_topic", _("Choose the topic of the start session."))
        if not data.get("location") and not data.get("online_url"):
            self.add_error("location", _("Give a location or an online link."))
        return data


class ProgrammeForm(forms.Form):
    programme = forms.ChoiceField(label=_("Programme"), choices=PROGRAMME_CHOICES)
    year = forms.IntegerField(label=_("Year"), min_value=2020, max_value=2100)
    include_optional = forms.BooleanField(label=_("Include optional meetings"), required=False)


class AttendeeForm(forms.Form):
    provider = forms.ModelChoiceField(
        label=_("Sport provider"), queryset=Provider.objects.none(), required=False
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.all(), required=False
    )
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[("", _("Derive from provider or organisation")), *AttendeeRole.choices],
        required=False,
    )

    def __init__(self, *args, municipality_ids=None, **kwargs):
        super().__init__(*args, **kwargs)
        providers = Provider.objects.order_by("name")
        if municipality_ids is not None:
            providers = providers.filter(municipality_id__in=municipality_ids)
        self.fields["provider"].queryset = providers

    def clean(self):
        data = super().clean()
        if not data.get("provider") and not data.get("name"):
            raise forms.ValidationError(_("Give the name of the attendee, or choose a provider."))
        return data


class HeldForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("GO / NO-GO"), choices=[("", "—"), *Decision.choices], required=False
    )
    stop_reason = forms.CharField(
        label=_("Reason for ending the founding process"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    conditions_reason = forms.CharField(
        label=_("Why start with POS support while basic conditions are unmet"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MinutesForm(forms.Form):
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=AgreementKind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    target_group = forms.ModelChoiceField(
        label=_("Target group"), queryset=TargetGroup.objects.all(), required=False
    )
    theme = forms.ModelChoiceField(label=_("Theme"), queryset=Theme.objects.all(), required=False)
    owner_name = forms.CharField(label=_("Owner"), max_length=200)
    owner_email = forms.EmailField(label=_("Owner e-mail"), required=False)
    due_on = forms.DateField(label=_("Due date"), widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        if not data.get("target_group") and not data.get("theme"):
            raise forms.ValidationError(_("Choose the target group or the theme it is about."))
        return data
