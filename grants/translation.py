"""Content in both written standards (django-modeltranslation): every text an admin or caseworker writes
and a county reads gets a bokmål and a nynorsk column (``name_nb``, ``name_nn``…). Reading ``name`` gives
the active language's, falling back to bokmål when the nynorsk is empty; a letter, receipt or e-mail is
rendered under ``translation.override`` of the county's written standard, so it reads the county's column.

A call cannot be published while a text a county reads lacks its nynorsk (``Call.missing_nynorsk``)."""

from modeltranslation.translator import TranslationOptions, register

from grants.models import Call, CostCategory, Criterion, LetterTemplate, Scheme


@register(Scheme)
class SchemeTranslation(TranslationOptions):
    fields = ("name", "priority_area", "legal_basis", "circular")


@register(Call)
class CallTranslation(TranslationOptions):
    fields = (
        "title",
        "introduction",
        "purpose",
        "target_group",
        "who_may_apply",
        "conditions",
        "assessment",
        "ineligible_costs",
        "how_to_apply",
        "appeal_rules",
        "payment_terms",
        "reporting",
    )


@register(CostCategory)
class CostCategoryTranslation(TranslationOptions):
    fields = ("name", "help_text")


@register(Criterion)
class CriterionTranslation(TranslationOptions):
    fields = ("name", "description")


@register(LetterTemplate)
class LetterTemplateTranslation(TranslationOptions):
    fields = ("rules", "facts", "considerations", "purpose", "conditions")
