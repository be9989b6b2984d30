from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import services
from .constants import VersionStatus
from .models import (
    CoreGroupMember,
    DeadlineNotice,
    FoundingStep,
    InterestRegistration,
    PosOffice,
    ProcessStepRule,
    ProcessVersion,
    StartSession,
    YearPlan,
)


class ProcessStepRuleInline(admin.TabularInline):
    """The steps of a version; editable while the version is a draft."""

    model = ProcessStepRule
    fields = [
        "position",
        "code",
        "owner",
        "amount",
        "unit",
        "counts_from",
        "counts_from_moment",
        "applies_to",
    ]
    extra = 0

    def _draft(self, obj) -> bool:
        return obj is None or not obj.is_published

    def has_add_permission(self, request, obj=None) -> bool:
        return self._draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None) -> bool:
        return self._draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self._draft(obj) and super().has_delete_permission(request, obj)


@admin.register(ProcessVersion)
class ProcessVersionAdmin(admin.ModelAdmin):
    """POS edits the founding process as versions: copy the current one into a draft, change
    it, publish it. A published version is read-only (offices keep the version they started
    under)."""

    list_display = ["__str__", "status", "published_at", "published_by", "note"]
    list_filter = ["status"]
    inlines = [ProcessStepRuleInline]
    actions = ["make_draft", "publish"]
    fieldsets = [
        (None, {"fields": ["number", "status", "note", "published_at", "published_by"]}),
        (
            gettext_lazy("Basic conditions"),
            {
                "fields": [
                    "professional_hours_per_week",
                    "commitment_years",
                    "entrepreneurs",
                    "hours_per_enterprise",
                ]
            },
        ),
        (
            gettext_lazy("Guideline"),
            {"fields": ["meetings_per_year", "social_domain_meetings_per_year", "network_size"]},
        ),
    ]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_published:
            return [f.name for f in ProcessVersion._meta.fields]
        return ["number", "status", "published_at", "published_by"]

    def has_add_permission(self, request) -> bool:
        return False  # a new version starts as a copy ("make a new draft")

    def has_delete_permission(self, request, obj=None) -> bool:
        return obj is not None and not obj.is_published and not obj.offices.exists()

    @admin.action(description=gettext_lazy("Make a new draft from the selected version"))
    def make_draft(self, request, queryset):
        for version in queryset.order_by("number")[:1]:
            draft = services.process_version_draft(source=version, by=request.user)
            self.message_user(request, _("%(version)s created as a draft.") % {"version": draft})

    @admin.action(description=gettext_lazy("Publish the selected drafts"))
    def publish(self, request, queryset):
        for version in queryset.filter(status=VersionStatus.DRAFT).order_by("number"):
            try:
                services.process_version_publish(version=version, by=request.user)
            except services.PosOfficeError as exc:
                self.message_user(request, f"{version}: {exc.message}", level=messages.ERROR)
            else:
                self.message_user(request, _("%(version)s published.") % {"version": version})


class FoundingStepInline(admin.TabularInline):
    """Read-only: steps change only through the services (order, deadlines, audit trail)."""

    model = FoundingStep
    fields = [
        "code",
        "attempt",
        "owner",
        "applies_to",
        "due_date",
        "planned_on",
        "held_on",
        "completed_on",
        "decision",
        "evidence_note",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class CoreGroupMemberInline(admin.TabularInline):
    model = CoreGroupMember
    extra = 0
    raw_id_fields = ["provider"]


@admin.register(PosOffice)
class PosOfficeAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "status", "current_step", "registered_on"]
    list_filter = ["status", "current_step", "municipality__province"]
    search_fields = ["name", "municipality__name"]
    readonly_fields = [
        "status",
        "current_step",
        "registered_on",
        "process_version",
        "stopped_on",
        "created_at",
    ]
    inlines = [FoundingStepInline, CoreGroupMemberInline]
    actions = ["move_to_newest_version"]

    @admin.action(description=gettext_lazy("Move to the newest published process version"))
    def move_to_newest_version(self, request, queryset):
        newest = (
            ProcessVersion.objects.filter(status=VersionStatus.PUBLISHED)
            .order_by("-number")
            .first()
        )
        for office in queryset.exclude(process_version=newest):
            try:
                changed = services.office_move_to_version(
                    office=office, version=newest, by=request.user
                )
            except services.PosOfficeError as exc:
                self.message_user(request, f"{office}: {exc.message}", level=messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("%(office)s moved to %(version)s; %(n)d deadlines recomputed.")
                    % {"office": office, "version": newest, "n": len(changed)},
                )


@admin.register(InterestRegistration)
class InterestRegistrationAdmin(admin.ModelAdmin):
    list_display = ["municipality", "contact_name", "email", "created_at", "confirmed_at"]
    list_filter = ["confirmed_at"]
    search_fields = ["municipality__name", "contact_name", "email"]
    readonly_fields = ["privacy_consent_at", "created_at", "confirmed_at", "office"]


@admin.register(DeadlineNotice)
class DeadlineNoticeAdmin(admin.ModelAdmin):
    list_display = ["step", "kind", "created_at", "emailed_at", "closed_at"]
    list_filter = ["kind"]
    readonly_fields = [
        "step",
        "kind",
        "claim",
        "created_at",
        "emailed_at",
        "closed_at",
        "recipients",
    ]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(StartSession)
class StartSessionAdmin(admin.ModelAdmin):
    list_display = ["office", "number", "topic", "held_on"]
    readonly_fields = ["office", "number", "topic", "held_on", "recorded_by"]


@admin.register(YearPlan)
class YearPlanAdmin(admin.ModelAdmin):
    """Read-only: a plan changes through its form so that its content version moves on and the
    PDF is re-rendered (an edit here would serve a stale PDF)."""

    list_display = ["office", "year", "content_version", "pdf_version", "pdf_generated_at"]
    list_filter = ["year", "office__municipality__province"]
    search_fields = ["office__name", "office__municipality__name"]
    list_select_related = ["office"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


# The joint decision registers its own (read-only) admin.
from .decisions import admin as decisions_admin  # noqa: E402, F401
