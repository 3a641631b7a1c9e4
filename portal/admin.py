from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from portal import audit
from portal.audit import Actor, client_ip
from portal.forms import WholeIdChoiceField, WholeIdsMultipleChoiceField
from portal.models import AuditEvent, Delegation, Membership, Organisation, Role, User
from portal.validators import whole_number

SECRET_FIELDS = {"password", "password1", "password2", "data", "secret"}


def _plain(value):
    """A JSON-friendly form of a field value: many-to-many selections become lists of ids."""
    if hasattr(value, "values_list"):
        return sorted(value.values_list("pk", flat=True))
    if isinstance(value, (list, tuple, set)):
        return sorted(getattr(v, "pk", v) for v in value)
    if isinstance(value, (str, int, bool, type(None))):
        return value
    return str(getattr(value, "pk", value)) if hasattr(value, "pk") else str(value)


def model_changes(obj, names, form=None) -> dict:
    """The changed values of the model's own fields, never a password or a secret.

    Many-to-many values come from the form: they are saved after the object itself.
    """
    fields = {f.name: f for f in obj._meta.get_fields() if f.concrete or f.many_to_many}
    changes = {}
    for name in names:
        if name not in fields or name in SECRET_FIELDS:
            continue
        value = form.cleaned_data.get(name) if form is not None and fields[name].many_to_many else getattr(obj, name)
        changes[name] = _plain(value)
    return changes


def admin_actor(request) -> Actor:
    """Changes in the admin are made in the admin role, whatever role the session acts in."""
    membership = next((m for m in request.memberships if m.role == Role.ADMIN), None)
    return Actor(user=request.user, membership=membership, ip=client_ip(request))


class WholeIds:
    """Django's admin reads the ids a form or an action posts back before anything has checked them:
    "²", "2025-01-01" or 10**25 as a chosen row or a selected row was a server error. Here a chosen row
    must be a whole number a bigint holds (else the form says the choice is invalid), and an action
    leaves out selected ids that are not (none left: the admin's "no items selected")."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", WholeIdChoiceField)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", WholeIdsMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def response_action(self, request, queryset):
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        kept = [pk for pk in selected if whole_number(pk) is not None]
        if kept != selected:
            post = request.POST.copy()
            post.setlist(helpers.ACTION_CHECKBOX_NAME, kept)
            request.POST = post
        return super().response_action(request, queryset)


class AuditedAdmin(WholeIds, admin.ModelAdmin):
    """Records every change made through the admin in the audit log, inline rows included."""

    def _subject(self, obj):
        if isinstance(obj, Organisation):
            return obj
        subject = getattr(obj, "organisation", None)
        return subject if subject is not None and subject.pk else None

    def _record(self, request, obj, verb, changes):
        audit.record(
            actor=admin_actor(request),
            action=f"admin.{obj._meta.model_name}.{verb}",
            obj=obj,
            subject_organisation=self._subject(obj),
            changes=changes,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self._record(request, obj, "changed" if change else "created", model_changes(obj, form.changed_data, form))

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for obj in formset.new_objects:
            self._record(request, obj, "created", model_changes(obj, [f.name for f in obj._meta.concrete_fields]))
        for obj, names in formset.changed_objects:
            self._record(request, obj, "changed", model_changes(obj, names))
        for obj in formset.deleted_objects:
            self._record(request, obj, "deleted", model_changes(obj, [f.name for f in obj._meta.concrete_fields]))

    def delete_model(self, request, obj):
        self._record(request, obj, "deleted", model_changes(obj, [f.name for f in obj._meta.concrete_fields]))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class MembershipInline(WholeIds, admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin):
    ordering = ["full_name"]
    list_display = ["full_name", "email", "title", "is_active", "is_staff"]
    search_fields = ["full_name", "email"]
    list_filter = ["is_active", "is_staff", "memberships__role"]
    fieldsets = [
        (None, {"fields": ["email", "full_name", "password"]}),
        # Printed in IMDi's letters: under the signature, and beside the caseworker's name.
        (_("I brev"), {"fields": ["title", "phone"]}),
        (_("Tilgang"), {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    inlines = [MembershipInline]


@admin.register(Organisation)
class OrganisationAdmin(AuditedAdmin, TranslationAdmin):
    """The name in bokmål and nynorsk (portal.translation): IMDi's differs; a county's nynorsk is left
    empty and reads as its bokmål."""

    list_display = ["name", "kind", "orgnr", "written_standard"]
    list_filter = ["kind", "written_standard"]
    # The columns themselves: a search on "name" would look only in the active language's (also what
    # the memberships' organisation field searches).
    search_fields = ["name_nb", "name_nn", "orgnr"]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ["user", "organisation", "role"]
    list_filter = ["role", "organisation"]
    search_fields = ["user__full_name", "user__email", "organisation__name"]
    autocomplete_fields = ["user", "organisation"]
    list_select_related = ["user", "organisation"]


@admin.register(Delegation)
class DelegationAdmin(WholeIds, admin.ModelAdmin):
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


class RecordedRoleFilter(admin.AllValuesFieldListFilter):
    """The roles recorded on events; events recorded without a role get a link that says so (an empty
    link text is unreadable to a screen reader)."""

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield choice if choice["display"] else {**choice, "display": _("Ingen")}


@admin.register(AuditEvent)
class AuditEventAdmin(WholeIds, admin.ModelAdmin):
    list_display = ["at", "actor_label", "role", "organisation", "action", "object_repr", "from_state", "to_state"]
    list_filter = ["action", ("role", RecordedRoleFilter)]
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
class AuthenticatorAdmin(AuditedAdmin):
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


admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(AuditedAdmin, AllauthEmailAddressAdmin):
    pass


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdmin, BaseGroupAdmin):
    pass
