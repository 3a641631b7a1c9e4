"""Forms for what reached IMDi by e-mail or post (R4, R15): an application and an appeal, each with
the document as it came, checked like every upload. They validate; grants.services.intake registers."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import TEXTAREA, AmountField, max_upload_mb
from grants.models import Channel
from portal.form_fields import DateField
from portal.formats import OSLO
from portal.models import Organisation
from portal.uploads import check_upload


class ReceivedForm(forms.Form):
    """How and when the document came, and the document itself."""

    channel = forms.ChoiceField(
        label=gettext_lazy("Mottatt per"),
        choices=[(Channel.EMAIL, gettext_lazy("E-post")), (Channel.POST, gettext_lazy("Post"))],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Velg om dokumentet kom per e-post eller per post.")},
    )
    received_on = DateField(
        label=gettext_lazy("Mottatt av IMDi"),
        help_text=gettext_lazy("Datoen e-posten eller brevet kom til IMDi."),
        error_messages={
            "required": gettext_lazy("Skriv datoen IMDi mottok dokumentet."),
            "invalid": gettext_lazy("Skriv datoen som dd.mm.åååå."),
        },
    )
    dated = DateField(
        label=gettext_lazy("Datert (valgfritt)"),
        required=False,
        help_text=gettext_lazy("Datoen som står i dokumentet (Deres dato)."),
        error_messages={"invalid": gettext_lazy("Skriv datoen som dd.mm.åååå.")},
    )
    their_reference = forms.CharField(
        label=gettext_lazy("Avsenderens referanse (valgfritt)"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("Fylkeskommunens saksnummer eller referanse (Deres referanse)."),
    )
    document = forms.FileField(label=gettext_lazy("Dokumentet slik det kom"))

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked = None
        self.fields["document"].help_text = _(
            "Den skannede søknaden eller e-posten med vedlegg: PDF, DOCX, ODT, PNG eller JPEG, høyst %(mb)s MB."
        ) % {"mb": max_upload_mb()}
        if too_large:  # the upload handler stopped the file while it arrived
            self.fields["document"].error_messages["required"] = _(
                "Filen er for stor. Største tillatte størrelse er %(max)s MB."
            ) % {"max": max_upload_mb()}

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate(timezone.now(), OSLO):
            raise ValidationError(_("Mottaksdatoen kan ikke være fram i tid."))
        return received_on

    def clean_document(self):
        upload = self.cleaned_data["document"]
        self.checked = check_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        dated, received_on = cleaned.get("dated"), cleaned.get("received_on")
        if dated and received_on and dated > received_on:
            self.add_error("dated", _("Dokumentet kan ikke være datert etter at IMDi mottok det."))
        if "document" in self.errors and any(self.data.get(name) for name in self.fields if name != "document"):
            self.errors["document"].append(_("Det du skrev, er tatt vare på; velg filen på nytt."))
        return cleaned

    def received_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "channel": data["channel"],
            "received_on": data["received_on"],
            "dated": data["dated"],
            "their_reference": data["their_reference"],
            "upload": data["document"],
            "checked": self.checked,
        }


class ApplicationRegisterForm(ReceivedForm):
    """An application: the county, the project's name and the budget as the county wrote it."""

    field_order = ["organisation", "title", "channel", "received_on", "dated", "their_reference"]

    organisation = forms.ModelChoiceField(
        label=gettext_lazy("Fylkeskommune"),
        queryset=Organisation.objects.none(),
        empty_label=gettext_lazy("Velg fylkeskommune"),
        help_text=gettext_lazy(
            "Også en fylkeskommune som ikke kan søke: søknaden registreres som mottatt og avvises så med et "
            "vedtak som kan påklages."
        ),
        error_messages={"required": gettext_lazy("Velg fylkeskommunen som søkte.")},
    )
    title = forms.CharField(
        label=gettext_lazy("Prosjektets navn"),
        max_length=300,
        error_messages={"required": gettext_lazy("Skriv prosjektets navn slik det står i søknaden.")},
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(kind=Organisation.Kind.COUNTY).order_by(
            "name_nb"
        )
        self.categories = list(call.cost_categories.all())
        for category in self.categories:
            self.fields[self.amount_name(category)] = AmountField(
                label=category.name, required=False, help_text=_("Beløpet i kroner, slik søknaden oppgir det.")
            )

    @staticmethod
    def amount_name(category) -> str:
        return f"amount_{category.pk}"

    def amount_fields(self):
        return [self[self.amount_name(category)] for category in self.categories]

    def budget(self) -> dict:
        return {category: self.cleaned_data.get(self.amount_name(category)) or 0 for category in self.categories}


class AppealRegisterForm(ReceivedForm):
    """An appeal: what it says, in short."""

    field_order = ["channel", "received_on", "dated", "their_reference", "reasons"]

    reasons = forms.CharField(
        label=gettext_lazy("Hva klagen gjelder"),
        widget=TEXTAREA,
        max_length=20_000,
        help_text=gettext_lazy("Et kort sammendrag av klagen. Hele klagen er dokumentet som lastes opp."),
        error_messages={"required": gettext_lazy("Skriv kort hva klagen gjelder.")},
    )
