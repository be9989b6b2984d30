from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, Exists, OuterRef
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import models, services
from .accounts.services import two_factor_reset

User = get_user_model()

# django-otp's device admin would let an administrator read a person's TOTP secret (its QR
# code link) and delete devices without an audit trail; "Reset two-step login" below replaces it.
if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


def _reset_two_factor(modeladmin, request, queryset, users):
    """Shared by the staff-profile and user admins: a confirmation page first (like
    "delete selected"), then ``two_factor_reset`` per person, each audited."""
    if request.POST.get("post") == "yes":
        reset = sum(two_factor_reset(user=user, by=request.user) for user in users)
        modeladmin.message_user(
            request,
            ngettext(
                "Two-step login reset for %(count)d account; it sets up again at next login.",
                "Two-step login reset for %(count)d accounts; they set up again at next login.",
                reset,
            )
            % {"count": reset},
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": _("Reset two-step login"),
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "users": users,
        "action": request.POST.get("action"),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "media": modeladmin.media,
    }
    return TemplateResponse(request, "admin/two_factor_reset_confirmation.html", context)


def _two_factor_state(has_app: bool, codes_left: int | None) -> str:
    if not has_app:
        return str(_("not set up"))
    return ngettext(
        "on, %(count)d recovery code left", "on, %(count)d recovery codes left", codes_left or 0
    ) % {"count": codes_left or 0}


def annotate_two_factor(queryset, user_path: str):
    """The two-step login state per row in two annotations (no query per row)."""
    prefix = f"{user_path}__" if user_path else ""
    return queryset.annotate(
        has_app=Exists(TOTPDevice.objects.filter(user=OuterRef(user_path or "pk"), confirmed=True)),
        codes_left=Count(f"{prefix}recoverycodedevice__codes", distinct=True),
    )


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


@admin.register(models.Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["name", "coordinator", "first_response_working_days"]
    search_fields = ["name"]
    filter_horizontal = ["municipalities"]
    inlines = [DeskPartnerInline]


@admin.register(models.StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "municipality", "desk", "organisation", "two_factor"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__email", "user__last_name"]
    autocomplete_fields = ["user", "municipality", "organisation"]
    list_select_related = ["user", "municipality", "desk", "organisation"]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        return annotate_two_factor(super().get_queryset(request), "user")

    @admin.display(description=_("two-step login"))
    def two_factor(self, obj) -> str:
        return _two_factor_state(obj.has_app, obj.codes_left)

    @admin.action(description=_("Reset two-step login"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        return _reset_two_factor(self, request, queryset, [p.user for p in queryset])

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


admin.site.unregister(User)


@admin.register(User)
class SportloketUserAdmin(UserAdmin):
    """Django's user admin with the two-step login state and its reset."""

    list_display = [*UserAdmin.list_display, "two_factor"]
    actions = ["reset_two_factor"]

    def get_queryset(self, request):
        return annotate_two_factor(super().get_queryset(request), "")

    @admin.display(description=_("two-step login"))
    def two_factor(self, obj) -> str:
        return _two_factor_state(obj.has_app, obj.codes_left)

    @admin.action(description=_("Reset two-step login"), permissions=["change"])
    def reset_two_factor(self, request, queryset):
        return _reset_two_factor(self, request, queryset, list(queryset))


@admin.register(models.PrivacyController)
class PrivacyControllerAdmin(admin.ModelAdmin):
    """One row at most: the list opens it (or the add form while there is none), and it cannot
    be deleted; emptying a field goes back to the server's setting."""

    fields = ["name", "address", "email", "phone", "dpo_email"]

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not models.PrivacyController.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if models.PrivacyController.objects.exists():
            return redirect(reverse("admin:sportloket_privacycontroller_change", args=[1]))
        if self.has_add_permission(request):
            return redirect(reverse("admin:sportloket_privacycontroller_add"))
        return super().changelist_view(request, extra_context)


@admin.register(models.ClaimRoleMapping)
class ClaimRoleMappingAdmin(admin.ModelAdmin):
    """What the identity provider's claims make of a person (docs/single-sign-on.md)."""

    list_display = ["claim", "value", "role", "municipality", "desk", "organisation", "ordering"]
    list_filter = ["role", "claim"]
    search_fields = ["value"]
    autocomplete_fields = ["municipality", "organisation"]
    list_select_related = ["municipality", "desk", "organisation"]


@admin.register(models.IdentityProviderLink)
class IdentityProviderLinkAdmin(admin.ModelAdmin):
    """Which account a person at the identity provider opens. Made at the first login; an
    administrator may remove a link (the next login links again by e-mail address)."""

    list_display = ["user", "issuer", "subject", "managed", "created_at", "last_login_at"]
    list_filter = ["managed", "issuer"]
    search_fields = ["user__username", "user__email", "subject"]
    list_select_related = ["user"]
    readonly_fields = ["user", "issuer", "subject", "managed", "created_at", "last_login_at"]

    def has_add_permission(self, request):
        return False
