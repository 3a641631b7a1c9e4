from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from modeltranslation.admin import TranslationAdmin, TranslationStackedInline, TranslationTabularInline

from grants.models import BudgetAuthority, Call, CostCategory, Criterion, LetterTemplate, Scheme
from grants.models.calls import nynorsk_refusal
from portal.admin import AuditedAdmin

# The texts a county reads are edited in both written standards side by side: each has a bokmål and a
# nynorsk field ("navn [nb]", "navn [nn]", grants.translation). The bokmål is required where the text
# is; a published call needs the nynorsk too (Call.missing_nynorsk).


@admin.register(Scheme)
class SchemeAdmin(AuditedAdmin, TranslationAdmin):
    list_display = ["name", "priority_area", "owner"]
    # The columns themselves: a search on "name" would look only in the active language's.
    search_fields = ["name_nb", "name_nn", "priority_area_nb", "priority_area_nn"]


class PublishedRowsFormSet(BaseInlineFormSet):
    """A published call's cost categories and criteria need their nynorsk too. The call's own form leaves
    them to this formset (``Call.rows_checked_by_form``), which sees the rows as they will be saved."""

    def clean(self):
        super().clean()
        if not self.instance.is_published:
            return
        missing = []
        for form in self.forms:
            if not form.cleaned_data or form.cleaned_data.get("DELETE"):
                continue
            missing += form.instance.missing_nynorsk()
        if missing:
            raise ValidationError(nynorsk_refusal(missing))


class CostCategoryInline(TranslationTabularInline):
    model = CostCategory
    formset = PublishedRowsFormSet
    extra = 0


class CriterionInline(TranslationTabularInline):
    model = Criterion
    formset = PublishedRowsFormSet
    extra = 0


class LetterTemplateInline(TranslationStackedInline):
    """The texts a decision proposal starts from, one per kind, with a bokmål and a nynorsk column for
    each (grants.translation): the proposal is prefilled in the county's written standard."""

    model = LetterTemplate
    extra = 0
    fields = ["kind", "rules", "facts", "considerations", "purpose", "conditions"]


class CallForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The inlines check the rows they save (PublishedRowsFormSet); the call checks its own texts.
        self.instance.rows_checked_by_form = True


@admin.register(Call)
class CallAdmin(AuditedAdmin, TranslationAdmin):
    # subject_to_budget: published before the state budget is passed (R5); opens_at empty: open
    # from publication. The change form shows both (every field of the model).
    form = CallForm
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


@admin.register(BudgetAuthority)
class BudgetAuthorityAdmin(AuditedAdmin):
    """Who holds budget authority (budsjettdisponeringsmyndighet) for which scheme, up to what amount and
    when: a grant and a payment are approved only by a holder whose limit covers the amount."""

    list_display = ["user", "scheme", "limit", "valid_from", "valid_to", "note"]
    list_filter = ["scheme"]
    list_select_related = ["user", "scheme"]
    search_fields = ["user__full_name", "user__email"]
    autocomplete_fields = ["user"]
    fields = ["user", "scheme", "limit", "valid_from", "valid_to", "note"]
