"""The form of a cooperation agreement (R6): the partner and the signed file."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import max_upload_mb
from grants.models import CooperationAgreement, PartnerKind
from portal.uploads import check_upload


class AgreementForm(forms.ModelForm):
    file = forms.FileField(
        label=gettext_lazy("Signert avtale"),
        help_text=gettext_lazy("PDF, DOCX, ODT, PNG eller JPEG."),
    )

    class Meta:
        model = CooperationAgreement
        fields = ["partner_kind", "partner_name"]
        help_texts = {
            "partner_kind": gettext_lazy("Dere trenger avtaler med arbeidsgivere, opplæringskontor, NAV og kommuner."),
        }

    def __init__(self, *args, too_large: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner_kind"].choices = [("", _("Velg type"))] + list(PartnerKind.choices)
        if too_large:  # the upload handler stopped the file while it arrived
            self.fields["file"].error_messages["required"] = _(
                "Filen er for stor. Største tillatte størrelse er %(max)s MB."
            ) % {"max": max_upload_mb()}
        self.fields["file"].help_text = _("PDF, DOCX, ODT, PNG eller JPEG, høyst %(mb)s MB.") % {"mb": max_upload_mb()}

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.checked = check_upload(upload)
        return upload
