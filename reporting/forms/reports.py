"""Forms of the county's annual report and accounts. They validate what was typed; the services in
``services.reports`` change state."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import AmountField, max_upload_mb
from portal.formats import ZERO, kr
from portal.limits import TEXT_MAX
from portal.uploads import check_upload
from reporting.models import AccountLine, AccountsApproval, AnnualReport


def _text(label, help_text):
    return forms.CharField(
        label=label,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=TEXT_MAX,
        required=False,
    )


class ReportTextForm(forms.Form):
    """The annual report's texts (R20). Blank is allowed while working; sending needs them all."""

    cooperation_model = _text(
        gettext_lazy("Den regionale samarbeidsmodellen"),
        gettext_lazy("Beskriv samarbeidet med arbeidsgivere, opplæringskontor, NAV og kommuner slik det er nå."),
    )
    cooperation_development = _text(
        gettext_lazy("Hvordan samarbeidet har utviklet seg"),
        gettext_lazy("Hva har endret seg i løpet av året, og hvorfor?"),
    )
    activities = _text(
        gettext_lazy("Aktiviteter i perioden"),
        gettext_lazy("Hva har dere gjort i perioden: undervisning, oppfølging, samlinger og annet."),
    )
    use_of_grant = _text(
        gettext_lazy("Hvordan tilskuddet er brukt"),
        gettext_lazy("Fortell kort hva tilskuddet har gått til. Beløpene fører dere i regnskapet."),
    )


def _count(label):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=1_000_000,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "invalid": gettext_lazy("Skriv et helt tall, for eksempel 12."),
            "min_value": gettext_lazy("Antallet kan ikke være negativt."),
        },
    )


class ResultsForm(forms.Form):
    participants_started = _count(gettext_lazy("Deltakere som startet"))
    participants_completed = _count(gettext_lazy("Deltakere som fullførte"))
    participants_certified = _count(gettext_lazy("Deltakere som fikk fag- eller svennebrev eller kompetansebevis"))
    participants_employed = _count(gettext_lazy("Deltakere som fikk arbeid"))


class AccountsForm(forms.Form):
    """What was spent per cost category, other income, and what the county asks for the unused
    amount (R18, R21). Budget and grant are shown read-only beside the inputs."""

    other_income = AmountField(
        label=gettext_lazy("Andre inntekter i prosjektet (kr)"),
        required=False,
        help_text=gettext_lazy("Inntekter i prosjektet utover tilskuddet fra IMDi, for eksempel egenandel."),
    )
    carry_over_requested = forms.BooleanField(
        label=gettext_lazy("Vi søker om å overføre ubrukte midler til neste år"),
        required=False,
        help_text=gettext_lazy(
            "Et flerårig prosjekt kan søke om å overføre ubrukte midler. Beløpet føres også i neste års søknad."
        ),
    )
    carry_over_reason = forms.CharField(
        label=gettext_lazy("Begrunnelse for overføringen"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=TEXT_MAX,
        required=False,
        help_text=gettext_lazy("Skriv hvorfor midlene ikke ble brukt, og hva de skal brukes til neste år."),
    )

    def __init__(self, *args, report: AnnualReport, lines: list[AccountLine], **kwargs):
        super().__init__(*args, **kwargs)
        self.report = report
        self.lines = lines
        for line in lines:
            self.fields[self.field_name(line)] = AmountField(
                label=_("Brukt på %(category)s (kr)") % {"category": line.category.name},
                required=False,
            )
        self.unused = None
        if not report.application.runs_past_year:  # carry-over is for a multi-year project (R18)
            self.initial["carry_over_requested"] = False
            self.fields["carry_over_requested"].disabled = True
            self.fields["carry_over_reason"].disabled = True
            self.fields["carry_over_requested"].help_text = gettext_lazy(
                "Prosjektperioden i søknaden slutter i tilskuddsåret. Bare et flerårig prosjekt kan søke om å "
                "overføre ubrukte midler; ubrukte midler betales tilbake."
            )

    @staticmethod
    def field_name(line: AccountLine) -> str:
        return f"spent_{line.pk}"

    def rows(self):
        """(line, bound field) for the accounts table."""
        return [(line, self[self.field_name(line)]) for line in self.lines]

    def clean(self):
        data = super().clean()
        spent = {}
        for line in self.lines:
            name = self.field_name(line)
            if name in self.errors:
                return data
            spent[line.pk] = data.get(name) or ZERO
        data["spent"] = spent
        data["other_income"] = data.get("other_income") or ZERO
        if "other_income" in self.errors:
            return data
        expenses = sum(spent.values(), ZERO)
        # A copy of the report's numbers, so computing the unused amount changes nothing saved.
        report = AnnualReport(
            decision=self.report.decision, carried_in=self.report.carried_in, other_income=data["other_income"]
        )
        self.unused = report.unused(expenses)
        self.expenses = expenses
        if data.get("carry_over_requested") and self.unused > 0 and not (data.get("carry_over_reason") or "").strip():
            self.add_error(
                "carry_over_reason",
                _("Skriv hvorfor dere søker om å overføre de ubrukte midlene (%(amount)s).")
                % {"amount": kr(self.unused)},
            )
        return data


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("Fil"))

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked = None
        if too_large:  # the upload handler stopped the file while it arrived
            self.fields["file"].error_messages["required"] = _(
                "Filen er for stor. Største tillatte størrelse er %(max)s MB."
            ) % {"max": max_upload_mb()}
        else:
            self.fields["file"].error_messages["required"] = _("Velg en fil.")
        self.fields["file"].help_text = _("PDF, DOCX, ODT, PNG eller JPEG, høyst %(mb)s MB.") % {"mb": max_upload_mb()}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.checked = check_upload(upload)
        return upload


class AccountsFileForm(UploadForm):
    prefix = "accounts"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Regnskapet (dokument)")


class AttachmentForm(UploadForm):
    prefix = "attachment"
    description = forms.CharField(
        label=gettext_lazy("Beskrivelse (valgfritt)"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("Hva dokumentet er, for eksempel «Referat fra samarbeidsmøte»."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = _("Annet dokument")


class AccountsApproveForm(forms.Form):
    capacity = forms.ChoiceField(
        label=gettext_lazy("Jeg godkjenner regnskapet som"),
        widget=forms.RadioSelect,
        choices=AccountsApproval.Capacity.choices,
        error_messages={
            "required": gettext_lazy(
                "Velg om du godkjenner som prosjektansvarlig i fylkeskommunen eller ansvarlig leder."
            )
        },
    )

    def __init__(self, *args, open_capacities: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if open_capacities is not None:
            self.fields["capacity"].choices = [
                (value, label) for value, label in AccountsApproval.Capacity.choices if value in open_capacities
            ]
