from django.contrib import admin

from . import models


@admin.register(models.Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["name", "funder", "opens_on", "closes_on", "active"]
    list_filter = ["active", "for_clubs", "for_entrepreneurs", "themes"]
    search_fields = ["name", "funder"]
    filter_horizontal = ["target_groups", "themes"]


@admin.register(models.SchemeShare)
class SchemeShareAdmin(admin.ModelAdmin):
    list_display = ["scheme", "provider", "channel", "shared_by", "shared_at"]
    list_filter = ["channel"]
    search_fields = ["scheme__name", "provider__name"]
    raw_id_fields = ["provider"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        """The sharing log is kept (retention inventory), and the schemes' share counts
        (``SchemeShareTally``) follow only the services' writes."""
        return False


@admin.register(models.DigestOptOut)
class DigestOptOutAdmin(admin.ModelAdmin):
    list_display = ["provider", "at"]
    raw_id_fields = ["provider"]


@admin.register(models.Budget)
class BudgetAdmin(admin.ModelAdmin):
    """Read-mostly: allocations, withdrawals and changes of the total are made in the app
    (row lock, never below what is allocated, audit trail)."""

    list_display = ["name", "desk", "year", "kind", "total", "allocated"]
    list_filter = ["year", "kind"]

    def get_readonly_fields(self, request, obj=None):
        return ["allocated", "total"] if obj is not None else ["allocated"]


@admin.register(models.Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = [
        "budget",
        "provider",
        "reference",
        "amount",
        "decision",
        "decided_by",
        "decided_on",
        "withdrawn_at",
    ]
    list_filter = ["decision"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
