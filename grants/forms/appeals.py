"""Forms of an appeal against a dismissal (R15): the county's appeal with its attachments, and
IMDi's answers to it. They validate what was typed; the services in grants.services.appeals change state."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import MultipleFileField, max_upload_mb
from portal.form_fields import DateField
from portal.limits import TEXT_MAX
from portal.uploads import check_upload

MAX_ATTACHMENTS = 10


class AppealForm(forms.Form):
    reasons = forms.CharField(
        label=gettext_lazy("Hvorfor klager dere?"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=TEXT_MAX,
        help_text=gettext_lazy("Skriv hva dere mener er feil i vedtaket, og hva dere ber IMDi eller departementet om."),
        error_messages={"required": gettext_lazy("Skriv hvorfor dere klager.")},
    )
    attachments = MultipleFileField(label=gettext_lazy("Vedlegg (valgfritt)"), required=False)

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.too_large = too_large  # the upload handler stopped a file while it arrived
        self.checked: list = []
        self.fields["attachments"].help_text = _(
            "Dere kan velge flere filer: PDF, DOCX, ODT, PNG eller JPEG, høyst %(mb)s MB per fil og %(n)s filer."
        ) % {"mb": max_upload_mb(), "n": MAX_ATTACHMENTS}

    def clean_attachments(self):
        uploads = self.cleaned_data["attachments"]
        errors = []
        if self.too_large:
            errors.append(
                ValidationError(
                    _("En av filene er for stor. Største tillatte størrelse er %(max)s MB per fil.")
                    % {"max": max_upload_mb()}
                )
            )
        if len(uploads) > MAX_ATTACHMENTS:
            errors.append(ValidationError(_("Legg ved høyst %(n)s filer.") % {"n": MAX_ATTACHMENTS}))
        checked = []
        for upload in uploads:
            try:
                checked.append((upload, check_upload(upload)))
            except ValidationError as error:
                for message in error.messages:
                    errors.append(ValidationError(f"{upload.name}: {message}"))
        if errors:
            raise ValidationError(errors)
        self.checked = checked
        return uploads


class ReverseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor omgjøres vedtaket?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX,
        help_text=gettext_lazy("Begrunnelsen vises for fylkeskommunen i historikken til saken."),
        error_messages={"required": gettext_lazy("Skriv hvorfor vedtaket omgjøres.")},
    )


class DismissForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor avvises klagen?"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX,
        help_text=gettext_lazy(
            "For eksempel at klagen kom etter fristen og ikke kan behandles etter forvaltningsloven § 31, eller "
            "at den som klager, ikke har rettslig klageinteresse. Begrunnelsen står i vedtaket til fylkeskommunen."
        ),
        error_messages={"required": gettext_lazy("Skriv hvorfor klagen avvises.")},
    )


class ForwardForm(forms.Form):
    cover_note = forms.CharField(
        label=gettext_lazy("Oversendelsesbrev til departementet"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=TEXT_MAX,
        help_text=gettext_lazy(
            "Gjør rede for saken og hvorfor IMDi mener vedtaket skal stå (forvaltningsloven § 33 fjerde ledd)."
        ),
        error_messages={"required": gettext_lazy("Skriv oversendelsesbrevet til departementet.")},
    )


class OutcomeForm(forms.Form):
    UPHELD, REVERSED = "upheld", "reversed"

    upheld = forms.ChoiceField(
        label=gettext_lazy("Hva kom departementet fram til?"),
        widget=forms.RadioSelect,
        choices=[
            (UPHELD, gettext_lazy("Departementet opprettholdt avvisningen. Saken avsluttes.")),
            (REVERSED, gettext_lazy("Departementet omgjorde vedtaket. Søknaden vurderes på nytt.")),
        ],
        error_messages={"required": gettext_lazy("Velg hva departementet kom fram til.")},
    )
    note = forms.CharField(
        label=gettext_lazy("Departementets avgjørelse"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=TEXT_MAX,
        help_text=gettext_lazy("Et sammendrag av avgjørelsen, med departementets referanse."),
        error_messages={"required": gettext_lazy("Skriv hva departementet kom fram til.")},
    )
    decided_on = DateField(
        label=gettext_lazy("Dato for avgjørelsen"),
        error_messages={
            "required": gettext_lazy("Skriv datoen departementet avgjorde klagen."),
            "invalid": gettext_lazy("Skriv en gyldig dato, for eksempel 15.03.2025."),
        },
    )

    def clean_decided_on(self) -> dt.date:
        decided_on = self.cleaned_data["decided_on"]
        if decided_on > timezone.localdate():
            raise ValidationError(_("Datoen kan ikke være fram i tid."))
        return decided_on

    @property
    def is_upheld(self) -> bool:
        return self.cleaned_data["upheld"] == self.UPHELD
