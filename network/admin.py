from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sportloket.admin import DeskAdmin
from sportloket.models import Desk

from . import models
from .news import services as news_services


class DeskCriterionTickInline(admin.TabularInline):
    model = models.DeskCriterionTick
    extra = 0


# The core's desk admin cannot name this app's models (the core depends on no app): the desk
# page is re-registered here with the criterion ticks added to the core's inlines.
admin.site.unregister(Desk)


@admin.register(Desk)
class NetworkDeskAdmin(DeskAdmin):
    inlines = [*DeskAdmin.inlines, DeskCriterionTickInline]


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


# --- The news update ---------------------------------------------------------------------------
# Read-only: updates are written and sent on the POS-lokaal pages (with their audit trail). An
# administrator can unsubscribe someone who asks by e-mail, through the same service as the link.


@admin.register(models.NewsUpdate)
class NewsUpdateAdmin(admin.ModelAdmin):
    list_display = ["title", "audience", "office", "status", "sent_at", "recipient_count"]
    list_filter = ["status", "audience"]
    search_fields = ["title"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(models.NewsSubscription)
class NewsSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["email", "source", "opted_in_at", "unsubscribed_at"]
    search_fields = ["email"]
    actions = ["unsubscribe"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description=_("Unsubscribe (remove the e-mail address)"))
    def unsubscribe(self, request, queryset) -> None:
        for subscription in queryset.filter(email__isnull=False):
            news_services.news_unsubscribe(subscription=subscription)
