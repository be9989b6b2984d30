"""Read-only admin of the joint decision: it changes only through its services (both sides,
step 3, audit trail, e-mails)."""

from django.contrib import admin

from .models import DecisionProposal, MappingStatement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DecisionProposal)
class DecisionProposalAdmin(ReadOnlyAdmin):
    list_display = ["office", "decision", "decided_on", "side", "status", "proposed_at"]
    list_filter = ["status", "decision", "side"]
    search_fields = ["office__name", "office__municipality__name"]
    list_select_related = ["office"]


@admin.register(MappingStatement)
class MappingStatementAdmin(ReadOnlyAdmin):
    list_display = ["office", "stated_on", "registered_count", "stated_by"]
    search_fields = ["office__name", "office__municipality__name"]
    list_select_related = ["office", "stated_by"]
