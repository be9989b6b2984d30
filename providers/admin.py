from django.contrib import admin

from .models import Provider


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "kvk_number", "municipality", "status", "source")
    list_filter = ("status", "kind", "source")
    search_fields = ("name", "kvk_number", "email")
    raw_id_fields = ("municipality", "created_by")
    filter_horizontal = ("sports", "target_groups")
    readonly_fields = (
        "created_at",
        "updated_at",
        "confirmed_at",
        "privacy_consent_at",
        "erased_at",
    )
