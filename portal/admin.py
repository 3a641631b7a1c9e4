from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from portal import audit
from portal.audit import Actor
from portal.models import AuditEvent, Delegation, Membership, Organisation, User


class AuditedAdmin(admin.ModelAdmin):
    """Records every change made through the admin in the audit log."""

    def _subject(self, obj):
        return getattr(obj, "organisation", None) if not isinstance(obj, Organisation) else obj

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        changed = {name: form.cleaned_data.get(name) for name in form.changed_data}
        changed = {k: (str(v) if not isinstance(v, (str, int, bool, type(None))) else v) for k, v in changed.items()}
        changed.pop("password", None)
        audit.record(
            actor=Actor.from_request(request),
            action=f"admin.{obj._meta.model_name}.{'changed' if change else 'created'}",
            obj=obj,
            subject_organisation=self._subject(obj),
            changes=changed,
        )

    def delete_model(self, request, obj):
        snapshot = {k: str(v) for k, v in model_to_dict(obj).items() if k != "password"}
        subject = self._subject(obj)
        audit.record(
            actor=Actor.from_request(request),
            action=f"admin.{obj._meta.model_name}.deleted",
            obj=obj,
            subject_organisation=subject if subject and subject.pk else None,
            changes=snapshot,
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "is_active", "is_staff"]
    search_fields = ["full_name", "email"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        (_("Tilgang"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin):
    list_display = ["name", "kind", "orgnr", "written_standard"]
    list_filter = ["kind", "written_standard"]
    search_fields = ["name", "orgnr"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    """Read-only here: fullmakt is given and revoked by the director in the portal."""

    list_display = ["organisation", "grantor", "grantee", "valid_from", "valid_to", "revoked_at"]
    list_select_related = ["organisation", "grantor", "grantee"]
    list_filter = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "role", "organisation", "action", "object_repr", "from_state", "to_state"]
    list_filter = ["action", "role"]
    search_fields = ["actor_label", "action", "object_repr"]
    list_select_related = ["organisation"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Authenticator)


@admin.register(Authenticator)
class AuthenticatorAdmin(admin.ModelAdmin):
    """Shows who has which second factor, never the secret. Deleting one makes the user set up
    a new authenticator app at the next login (for someone who lost their phone)."""

    list_display = ["user", "type", "created_at", "last_used_at"]
    list_filter = ["type"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user"]
    fields = ["user", "type", "created_at", "last_used_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        audit.record(
            actor=Actor.from_request(request),
            action="admin.authenticator.deleted",
            obj=obj.user,
            changes={"type": obj.type},
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
