"""The form in which an admin changes a reminder's text."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reporting.reminder_texts import placeholders, text_problems


class ReminderTextForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Emne"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Tekst"), widget=forms.Textarea(attrs={"rows": 14}), max_length=10000)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        names = ", ".join("{" + name + "}" for name, _label, _example in placeholders(kind))
        self.fields["body"].help_text = _("Plassholdere du kan bruke: %(names)s.") % {"names": names}

    def _checked(self, name: str) -> str:
        value = self.cleaned_data[name]
        problem = text_problems(self.kind, value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_subject(self) -> str:
        return " ".join(self._checked("subject").split())

    def clean_body(self) -> str:
        return self._checked("body").replace("\r\n", "\n")
