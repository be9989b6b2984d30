from django.contrib import admin

from .models import ContactMoment, Handover, SupportRequest, SupportRequestEvent


class ReadOnlyEventInline(admin.TabularInline):
    model = SupportRequestEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor", "public", "text", "data")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ("pk", "subject", "desk", "status", "deadline", "assignee")
    list_filter = ("status", "desk")
    search_fields = ("subject", "provider__name")
    raw_id_fields = ("provider", "assignee", "created_by")
    readonly_fields = ("public_token", "status", "is_open")
    inlines = [ReadOnlyEventInline]


@admin.register(Handover)
class HandoverAdmin(admin.ModelAdmin):
    list_display = ("support_request", "organisation", "status", "respond_by")
    list_filter = ("status",)
    raw_id_fields = ("support_request",)


@admin.register(ContactMoment)
class ContactMomentAdmin(admin.ModelAdmin):
    list_display = ("provider", "desk", "date", "channel")
    raw_id_fields = ("provider",)
