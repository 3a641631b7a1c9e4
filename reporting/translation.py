"""The reminders' texts in both written standards (django-modeltranslation): ``subject_nb``,
``subject_nn``, ``body_nb``, ``body_nn``. A reminder is written in its county's standard; an empty
nynorsk text falls back to the bokmål one (``reporting.reminders``)."""

from modeltranslation.translator import TranslationOptions, register

from reporting.models import ReminderText


@register(ReminderText)
class ReminderTextTranslation(TranslationOptions):
    fields = ("subject", "body")
