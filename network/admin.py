from django.contrib import admin

from sportloket.admin import DeskAdmin
from sportloket.models import Desk

from . import models


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
