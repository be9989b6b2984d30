"""API tokens in the admin: made (the key shown once, on the page after saving), listed with
when they were last used, and revoked. Never edited: a changed token is a new token."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ApiToken
from .services import ApiTokenError, api_token_create, api_token_revoke


class ApiTokenCreateForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["organisation", "user", "name"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = (
            get_user_model()
            .objects.filter(is_active=True, staff_profile__organisation__isnull=False)
            .select_related("staff_profile__organisation")
            .order_by("username")
        )

    def clean(self):
        data = super().clean()
        user, organisation = data.get("user"), data.get("organisation")
        if user and organisation and user.staff_profile.organisation_id != organisation.pk:
            raise ValidationError(
                _("A token acts as a staff account of its own organisation: choose one of theirs.")
            )
        return data


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "organisation",
        "user",
        "prefix",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["organisation"]
    search_fields = ["name", "prefix", "organisation__name", "user__username"]
    readonly_fields = [
        "organisation",
        "user",
        "name",
        "prefix",
        "created_at",
        "created_by",
        "last_used_at",
        "revoked_at",
    ]
    actions = ["revoke"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ApiTokenCreateForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ["organisation", "user", "name"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the row stays as the record of who had access

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            token, key = api_token_create(
                organisation=form.cleaned_data["organisation"],
                user=form.cleaned_data["user"],
                name=form.cleaned_data["name"],
                by=request.user,
            )
        except ApiTokenError as error:
            raise ValidationError(error.message) from error
        obj.pk = token.pk
        obj.refresh_from_db()
        obj.plain_key = key

    def response_add(self, request, obj, post_url_continue=None):
        """The key, shown once: it is not stored, so this page is the only place it appears."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "token": obj,
            "key": obj.plain_key,
            "title": _("API token created"),
        }
        return render(request, "admin/api/apitoken/created.html", context)

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        count = sum(api_token_revoke(token=token, by=request.user) for token in queryset)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count)
            % {"count": count},
            messages.SUCCESS,
        )
