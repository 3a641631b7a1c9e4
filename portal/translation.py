"""An organisation's name in both written standards (django-modeltranslation): IMDi is
"Integrerings- og mangfoldsdirektoratet" in bokmål and "Integrerings- og mangfaldsdirektoratet" in
nynorsk. A county's name is the same in both: its ``name_nn`` stays empty and reading ``name`` in
nynorsk falls back to the bokmål (settings.MODELTRANSLATION_FALLBACK_LANGUAGES)."""

from modeltranslation.translator import TranslationOptions, register

from portal.models import Organisation


@register(Organisation)
class OrganisationTranslation(TranslationOptions):
    fields = ("name",)
    # An empty name is stored as NULL, never "": the names are unique, and every county's nynorsk is empty.
    empty_values = None
