from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import models, services


@admin.register(models.Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["name", "cbs_code", "province", "vsg_region", "active"]
    list_filter = ["province", "active"]
    search_fields = ["name", "cbs_code"]


@admin.register(models.TargetGroup, models.Sport)
class NamedReferenceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "ordering"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(models.Theme)
class ThemeAdmin(NamedReferenceAdmin):
    list_display = ["name", "kind", "ordering"]
    list_filter = ["kind"]


@admin.register(models.QuestionCategory)
class QuestionCategoryAdmin(NamedReferenceAdmin):
    filter_horizontal = ["themes"]


class OrganisationContactInline(admin.TabularInline):
    model = models.OrganisationContact
    extra = 1


@admin.register(models.Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "municipality", "in_spn", "in_ask", "in_kss", "in_lab"]
    list_filter = ["type", "in_spn", "in_ask", "in_kss", "in_lab"]
    search_fields = ["name"]
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["themes"]
    inlines = [OrganisationContactInline]


class DeskPartnerInline(admin.TabularInline):
    model = models.DeskPartner
    extra = 1
    autocomplete_fields = ["organisation"]


class DeskCriterionTickInline(admin.TabularInline):
    model = models.DeskCriterionTick
    extra = 0


@admin.register(models.Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["name", "coordinator", "first_response_working_days"]
    search_fields = ["name"]
    filter_horizontal = ["municipalities"]
    inlines = [DeskPartnerInline, DeskCriterionTickInline]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "municipality", "desk", "organisation"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user", "municipality", "organisation"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.staff_sync_groups(profile=obj)


@admin.register(models.AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "content_type", "object_id", "action", "summary"]
    list_filter = ["content_type", "action"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.OutgoingEmail)
class OutgoingEmailAdmin(admin.ModelAdmin):
    list_display = ["created_at", "subject", "status", "attempts", "sent_at"]
    list_filter = ["status"]
    search_fields = ["key", "subject"]
    readonly_fields = [f.name for f in models.OutgoingEmail._meta.fields]

    def has_add_permission(self, request):
        return False


admin.site.site_header = _("Sportloket administration")
admin.site.site_title = _("Sportloket")


class SmartGoalInline(admin.StackedInline):
    model = models.SmartGoal
    extra = 0


@admin.register(models.NeighbourhoodSportCoach)
class NeighbourhoodSportCoachAdmin(admin.ModelAdmin):
    list_display = ["name", "municipality", "employer", "hours_per_week"]
    search_fields = ["name", "employer"]
    autocomplete_fields = ["municipality"]
    filter_horizontal = ["target_groups"]
    inlines = [SmartGoalInline]
