from django.contrib import admin

from grants.models import Call, CostCategory, Criterion, Scheme
from portal.admin import AuditedAdmin


@admin.register(Scheme)
class SchemeAdmin(AuditedAdmin):
    list_display = ["name", "priority_area", "owner"]
    search_fields = ["name", "priority_area"]


class CostCategoryInline(admin.TabularInline):
    model = CostCategory
    extra = 0


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0


@admin.register(Call)
class CallAdmin(AuditedAdmin):
    list_display = ["title", "year", "scheme", "is_published", "opens_at", "application_deadline", "pot"]
    list_filter = ["year", "is_published", "scheme"]
    list_select_related = ["scheme"]
    filter_horizontal = ["eligible_organisations"]
    inlines = [CostCategoryInline, CriterionInline]
