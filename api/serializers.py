"""What the API shows. Read-only shapes; writes go through the pages' forms (see views), so
input is validated with the same rules and messages."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from meetings.programme.constants import MeetingKind
from meetings.support.constants import Channel, SupportStatus
from poskantoor.constants import OfficeStatus, StepCode
from providers.constants import SAFETY_BASICS, ProviderKind, ProviderStatus, SafetyStatus
from providers.models import Provider


class Ref(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MunicipalityRef(serializers.Serializer):
    id = serializers.IntegerField()
    cbs_code = serializers.CharField()
    name = serializers.CharField()


class SlugRef(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class PersonRef(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return user.get_full_name() or user.username


# --- Public ------------------------------------------------------------------------------------


class PublicDeskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField(help_text="The desk's own mailbox (empty when it has none).")
    municipalities = MunicipalityRef(many=True, help_text="The municipalities the desk serves.")


class OfficeBaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    municipality = MunicipalityRef()
    status = serializers.ChoiceField(choices=OfficeStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    current_step = serializers.ChoiceField(choices=StepCode.choices)
    current_step_display = serializers.CharField(source="get_current_step_display")


class PublicContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.CharField(help_text="Empty when the person gave none.")
    phone = serializers.CharField(help_text="Empty when the person gave none.")


class PublicMeetingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    kind_display = serializers.CharField(source="get_kind_display")
    title = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField(help_text="Empty when the place follows or it is online.")
    online = serializers.SerializerMethodField(
        help_text="Also (or only) online; the link itself is not public."
    )
    agenda = serializers.CharField()
    ics_url = serializers.SerializerMethodField(
        help_text="The meeting's calendar entry (.ics) for anyone."
    )

    def get_online(self, meeting) -> bool:
        return bool(meeting.online_url)

    def get_ics_url(self, meeting) -> str:
        path = reverse("reports:public_meeting_ics", args=[self.context["slug"], meeting.pk])
        return f"{settings.SPORTLOKET_SITE_URL}{path}"


class PublicOfficeSerializer(serializers.Serializer):
    """An office that chose to be public, as its public page shows it (``reports.public``)."""

    id = serializers.IntegerField(source="office.id")
    slug = serializers.CharField(help_text="The municipality's name as a slug: the page address.")
    name = serializers.CharField(source="office.name")
    municipality = MunicipalityRef(source="office.municipality")
    province = serializers.CharField(source="office.municipality.province")
    phase = serializers.CharField(help_text="In public: being founded or active (in Dutch).")
    status = serializers.ChoiceField(choices=OfficeStatus.choices, source="office.status")
    status_display = serializers.CharField(source="office.get_status_display")
    current_step = serializers.ChoiceField(choices=StepCode.choices, source="office.current_step")
    current_step_display = serializers.CharField(source="office.get_current_step_display")
    url = serializers.SerializerMethodField(help_text="The office's public page.")
    join_url = serializers.SerializerMethodField(
        help_text="The interest form for entrepreneurs, with the municipality filled in."
    )
    contact = PublicContactSerializer(
        allow_null=True, help_text="The public contact person, only with their recorded consent."
    )
    meetings = serializers.SerializerMethodField(
        help_text="The coming meetings open to entrepreneurs, soonest first (at most ten)."
    )

    def get_url(self, public) -> str:
        path = reverse("reports:public_office", args=[public.slug])
        return f"{settings.SPORTLOKET_SITE_URL}{path}"

    def get_join_url(self, public) -> str:
        return f"{settings.SPORTLOKET_SITE_URL}{public.join_url}"

    @extend_schema_field(PublicMeetingSerializer(many=True))
    def get_meetings(self, public) -> list:
        return PublicMeetingSerializer(
            public.meetings, many=True, context={"slug": public.slug}
        ).data


class WhoMayApply(serializers.Serializer):
    clubs = serializers.BooleanField(source="for_clubs")
    entrepreneurs = serializers.BooleanField(source="for_entrepreneurs")
    other = serializers.BooleanField(source="for_other")


class PublicSchemeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    funder = serializers.CharField()
    description = serializers.CharField()
    link = serializers.CharField()
    opens_on = serializers.DateField(allow_null=True)
    closes_on = serializers.DateField(allow_null=True)
    target_groups = SlugRef(many=True, help_text="Empty: every target group.")
    themes = SlugRef(many=True, help_text="Empty: every theme.")
    who_may_apply = WhoMayApply(source="*")


# --- Support questions ---------------------------------------------------------------------------


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    subject = serializers.CharField()
    status = serializers.ChoiceField(choices=SupportStatus.choices)
    status_display = serializers.CharField(source="get_status_display")
    is_open = serializers.BooleanField()
    priority = serializers.IntegerField()
    channel = serializers.ChoiceField(choices=Channel.choices)
    deadline = serializers.DateField()
    created_at = serializers.DateTimeField()
    last_activity_at = serializers.DateTimeField()
    desk = serializers.IntegerField(source="desk_id")
    municipality = Ref()
    provider = Ref()
    category = Ref(allow_null=True)
    assignee = PersonRef(allow_null=True)
    organisation = Ref(allow_null=True, help_text="The organisation it was handed over to.")


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    at = serializers.DateTimeField()
    actor = PersonRef(allow_null=True)
    public = serializers.BooleanField()
    text = serializers.CharField()


class HandoverSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = Ref()
    status = serializers.CharField()
    note = serializers.CharField()
    respond_by = serializers.DateField()
    created_at = serializers.DateTimeField()
    responded_at = serializers.DateTimeField(allow_null=True)
    helper_name = serializers.CharField()
    help_by = serializers.DateField(allow_null=True)
    decline_reason = serializers.CharField()
    outcome = serializers.CharField()


class QuestionDetailSerializer(QuestionSerializer):
    question = serializers.CharField()
    requester_name = serializers.CharField()
    requester_email = serializers.CharField()
    can_triage = serializers.BooleanField(help_text="Whether you may change it (desk actions).")
    handovers = HandoverSerializer(many=True, source="handovers_shown")
    events = EventSerializer(
        many=True,
        source="events_shown",
        help_text="The timeline; internal notes for the desk only.",
    )


class QuestionCreateSerializer(serializers.Serializer):
    """The fields of the page's "register question" form (its rules and messages apply)."""

    provider = serializers.IntegerField(help_text="A provider in the desk's area.")
    channel = serializers.ChoiceField(choices=[c for c in Channel.choices if c[0] != Channel.FORM])
    category = serializers.IntegerField(required=False, allow_null=True)
    priority = serializers.IntegerField(required=False)
    subject = serializers.CharField(max_length=200)
    question = serializers.CharField(max_length=5000)
    requester_name = serializers.CharField(max_length=200, required=False, allow_blank=True)
    requester_email = serializers.CharField(required=False, allow_blank=True)


class StatusChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=SupportStatus.choices)
    text = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        help_text="Explanation for the requester.",
    )


class HandoverCreateSerializer(serializers.Serializer):
    organisation = serializers.IntegerField(help_text="A partner organisation of the desk.")
    note = serializers.CharField(max_length=5000)


# --- Providers ---------------------------------------------------------------------------------


SAFETY_KEYS = tuple(SAFETY_BASICS)


class ProviderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=ProviderKind.choices)
    kvk_number = serializers.CharField()
    status = serializers.ChoiceField(choices=ProviderStatus.choices)
    municipality = MunicipalityRef()
    sports = serializers.SerializerMethodField()
    target_groups = serializers.SerializerMethodField()
    eligible = serializers.BooleanField(
        source="is_eligible", help_text="Eligible for club support (the social-safety basics)."
    )

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_sports(self, provider: Provider) -> list[int]:
        return [sport.pk for sport in provider.sports.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_target_groups(self, provider: Provider) -> list[int]:
        return [group.pk for group in provider.target_groups.all()]


class ProviderDetailSerializer(ProviderSerializer):
    street = serializers.CharField()
    postcode = serializers.CharField()
    city = serializers.CharField()
    contact_name = serializers.CharField()
    email = serializers.CharField()
    phone = serializers.SerializerMethodField()
    website = serializers.CharField()
    participants = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_phone(self, provider: Provider) -> str:
        return str(provider.phone or "")


class ProviderWriteSerializer(serializers.Serializer):
    """The fields of the page's provider form (its rules and messages apply). With PATCH, the
    fields left out keep their value."""

    name = serializers.CharField(max_length=200)
    kind = serializers.ChoiceField(choices=ProviderKind.choices)
    kvk_number = serializers.CharField(required=False, allow_blank=True)
    municipality = serializers.IntegerField()
    street = serializers.CharField(required=False, allow_blank=True)
    postcode = serializers.CharField(required=False, allow_blank=True)
    city = serializers.CharField(required=False, allow_blank=True)
    sports = serializers.ListField(child=serializers.IntegerField(), required=False)
    target_groups = serializers.ListField(child=serializers.IntegerField(), required=False)
    contact_name = serializers.CharField(required=False, allow_blank=True)
    email = serializers.CharField(required=False, allow_blank=True)
    phone = serializers.CharField(required=False, allow_blank=True)
    website = serializers.CharField(required=False, allow_blank=True)
    participants = serializers.IntegerField(required=False, allow_null=True)


for _key in SAFETY_KEYS:
    ProviderWriteSerializer._declared_fields[f"{_key}_status"] = serializers.ChoiceField(
        choices=SafetyStatus.choices, required=False
    )
    ProviderWriteSerializer._declared_fields[f"{_key}_date"] = serializers.DateField(
        required=False, allow_null=True
    )


class RequirementSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=SafetyStatus.choices)
    since = serializers.DateField(allow_null=True)
    decides_eligibility = serializers.BooleanField()


class EligibilitySerializer(serializers.Serializer):
    provider = serializers.IntegerField()
    eligible = serializers.BooleanField()
    requirements = RequirementSerializer(many=True)


# --- POS offices -------------------------------------------------------------------------------


class StepSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.ChoiceField(choices=StepCode.choices)
    label = serializers.CharField(source="get_code_display")
    attempt = serializers.IntegerField()
    owner = serializers.CharField()
    due_date = serializers.DateField(allow_null=True, help_text="The deadline.")
    planned_on = serializers.DateField(allow_null=True)
    held_on = serializers.DateField(allow_null=True)
    completed_on = serializers.DateField(allow_null=True)
    decision = serializers.CharField()


class OfficeSerializer(OfficeBaseSerializer):
    registered_on = serializers.DateField()
    stopped_on = serializers.DateField(allow_null=True)
    contact_name = serializers.CharField()
    contact_email = serializers.CharField()
    next_due = serializers.DateField(
        allow_null=True, required=False, help_text="The earliest open deadline."
    )
    is_overdue = serializers.BooleanField(required=False)


class OfficeDetailSerializer(OfficeSerializer):
    steps = StepSerializer(many=True, source="steps.all")


# --- Monitoring ----------------------------------------------------------------------------------


class MonitoringRowSerializer(serializers.Serializer):
    cbs_code = serializers.CharField()
    municipality = serializers.CharField()
    province = serializers.CharField()
    pos_office_status = serializers.CharField()
    current_step = serializers.CharField()
    days_overdue = serializers.IntegerField(allow_null=True)
    core_group_entrepreneurs = serializers.IntegerField(allow_null=True)
    guideline = serializers.CharField()
    active_providers = serializers.IntegerField()
    active_sport_entrepreneurs = serializers.IntegerField()
    providers_meeting_safety_basics = serializers.IntegerField()
    questions_received = serializers.IntegerField()
    questions_handed_over = serializers.IntegerField()
    entrepreneurs_reached_with_schemes = serializers.IntegerField()


class MonitoringSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    municipalities = MonitoringRowSerializer(many=True)
