"""Content in both written standards (django-modeltranslation): the letter templates' texts get a
bokmål and a nynorsk column each (``rules_nb``, ``rules_nn``…); reading ``rules`` gives the active
language's, falling back to bokmål."""

from modeltranslation.translator import TranslationOptions, register

from grants.models import LetterTemplate


@register(LetterTemplate)
class LetterTemplateTranslation(TranslationOptions):
    fields = ("rules", "facts", "considerations", "purpose", "conditions")
