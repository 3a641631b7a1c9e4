"""The form where someone at IMDi chooses how to hear of events and which calls to follow."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from grants.models import Call
from portal.forms import WholeIdsMultipleChoiceField
from portal.models import User


class CallChoiceField(WholeIdsMultipleChoiceField):
    def label_from_instance(self, obj: Call) -> str:
        return f"{obj.title} ({obj.scheme.name}, {obj.year})"


class NoticeChoiceForm(forms.Form):
    choice = forms.ChoiceField(
        label=gettext_lazy("Hvordan vil du få e-post om hendelser i utlysningene du følger?"),
        choices=User.NoticeChoice.choices,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Hendelser er nye søknader, klager, akseptert tilskudd, innsendte rapporter og merknader fra "
            "fylkeskommunen til et forhåndsvarsel om tilbakebetaling. Om saker der du er saksbehandler, får du "
            "alltid e-post med en gang."
        ),
    )
    calls = CallChoiceField(
        label=gettext_lazy("Utlysninger du følger"),
        queryset=Call.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, calls, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["calls"].queryset = calls
