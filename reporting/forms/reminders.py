"""The form in which an admin changes a reminder's text, in bokmål and nynorsk: a county gets its
reminders in its written standard."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reporting.reminder_texts import placeholders, text_problems

SUBJECT = {"nb": gettext_lazy("Emne på bokmål"), "nn": gettext_lazy("Emne på nynorsk")}
BODY = {"nb": gettext_lazy("Tekst på bokmål"), "nn": gettext_lazy("Tekst på nynorsk")}
LANGUAGES = ("nb", "nn")


class ReminderTextForm(forms.Form):
    subject_nb = forms.CharField(label=SUBJECT["nb"], max_length=200)
    body_nb = forms.CharField(label=BODY["nb"], widget=forms.Textarea(attrs={"rows": 14}), max_length=10000)
    subject_nn = forms.CharField(label=SUBJECT["nn"], max_length=200)
    body_nn = forms.CharField(label=BODY["nn"], widget=forms.Textarea(attrs={"rows": 14}), max_length=10000)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        names = ", ".join("{" + name + "}" for name, _label, _example in placeholders(kind))
        for language in LANGUAGES:
            self.fields[f"body_{language}"].help_text = _("Plassholdere du kan bruke: %(names)s.") % {"names": names}

    def languages(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        """(language, subject field, body field) for each written standard, in the page's order."""
        return [(language, self[f"subject_{language}"], self[f"body_{language}"]) for language in LANGUAGES]

    def _checked(self, name: str) -> str:
        value = self.cleaned_data[name]
        problem = text_problems(self.kind, value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_subject_nb(self) -> str:
        return " ".join(self._checked("subject_nb").split())

    def clean_subject_nn(self) -> str:
        return " ".join(self._checked("subject_nn").split())

    def clean_body_nb(self) -> str:
        return self._checked("body_nb").replace("\r\n", "\n")

    def clean_body_nn(self) -> str:
        return self._checked("body_nn").replace("\r\n", "\n")
