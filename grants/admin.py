from django.contrib import admin
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline

from grants.models import Call, CostCategory, Criterion, LetterTemplate, Scheme
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


class LetterTemplateInline(TranslationStackedInline):
    """The texts a decision proposal starts from, one per kind, with a bokmål and a nynorsk column for
    each (grants.translation): the proposal is prefilled in the county's written standard."""

    model = LetterTemplate
    extra = 0
    fields = ["kind", "rules", "facts", "considerations", "purpose", "conditions"]


@admin.register(Call)
class CallAdmin(AuditedAdmin):
    # subject_to_budget: published before the state budget is passed (R5); opens_at empty: open
    # from publication. The change form shows both (every field of the model).
    list_display = [
        "title",
        "year",
        "scheme",
        "is_published",
        "subject_to_budget",
        "opens_at",
        "application_deadline",
        "pot",
    ]
    list_filter = ["year", "is_published", "subject_to_budget", "scheme"]
    list_select_related = ["scheme"]
    filter_horizontal = ["eligible_organisations"]
    inlines = [CostCategoryInline, CriterionInline, LetterTemplateInline]


@admin.register(LetterTemplate)
class LetterTemplateAdmin(AuditedAdmin, TranslationAdmin):
    """A call's letter templates, with both written standards side by side. ``{county}``, ``{title}``,
    ``{requested}``, ``{amount}``, ``{received}`` and ``{deadline}`` are filled in from the case."""

    list_display = ["call", "kind"]
    list_filter = ["kind", "call__year"]
    list_select_related = ["call"]
    fields = ["call", "kind", "rules", "facts", "considerations", "purpose", "conditions"]
