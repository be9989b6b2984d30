from django.contrib import admin

from .models import (
    CoreGroupMember,
    DeadlineNotice,
    FoundingStep,
    InterestRegistration,
    PosOffice,
    StartSession,
    YearPlan,
)


class FoundingStepInline(admin.TabularInline):
    """Read-only: steps change only through the services (order, deadlines, audit trail)."""

    model = FoundingStep
    fields = ["code", "attempt", "due_date", "completed_on", "decision", "evidence_note"]
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
    readonly_fields = ["status", "current_step", "registered_on", "stopped_on", "created_at"]
    inlines = [FoundingStepInline, CoreGroupMemberInline]


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
