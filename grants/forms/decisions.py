"""Forms of IMDi's decision pages: the proposal and its return (R14–R16). They validate what was
typed; the services in ``grants.services.decisions`` change state and have the last word on every rule."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import TEXTAREA, AmountField
from grants.models import CostCategory, Decision
from portal.formats import kr
from portal.limits import TEXT_MAX

# What each kind of decision means for the county, shown beside its radio button (R14, R15).
KIND_EXPLANATIONS = {
    Decision.Kind.GRANT: gettext_lazy(
        "Søknaden innvilges, helt eller delvis, med beløpet som er fordelt til den. Kan ikke påklages."
    ),
    Decision.Kind.REJECTION: gettext_lazy(
        "Søknaden er vurdert, men får ikke tilskudd (avslag etter en vurdering). Kan ikke påklages."
    ),
    Decision.Kind.DISMISSAL: gettext_lazy(
        "Søknaden vurderes ikke, for eksempel fordi den kom for sent eller søkeren ikke kan søke. "
        "Et enkeltvedtak: kan påklages innen tre uker."
    ),
}


@dataclass(frozen=True)
class CategoryRow:
    """One cost category on the proposal page: what was applied for and what the caseworker recommended."""

    category: CostCategory
    requested: Decimal
    recommended: Decimal

    @property
    def field_name(self) -> str:
        return f"granted_{self.category.pk}"


class DecisionProposalForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Type avgjørelse"), choices=Decision.Kind.choices, widget=forms.RadioSelect
    )
    rules = forms.CharField(
        label=gettext_lazy("Regler avgjørelsen bygger på"),
        widget=TEXTAREA,
        max_length=TEXT_MAX,
        help_text=gettext_lazy(
            "Hjemmelen og punktene i rundskrivet som er brukt. Er utlysningen satt opp med en brevmal, er feltet "
            "fylt ut fra den: rett punktene til dem avgjørelsen faktisk bygger på."
        ),
    )
    facts = forms.CharField(
        label=gettext_lazy("Faktiske forhold"),
        widget=TEXTAREA,
        max_length=TEXT_MAX,
        help_text=gettext_lazy("Det IMDi har lagt til grunn om søknaden og søkeren."),
    )
    considerations = forms.CharField(
        label=gettext_lazy("Hovedhensyn"),
        widget=TEXTAREA,
        max_length=TEXT_MAX,
        help_text=gettext_lazy("De hensynene som har vært avgjørende for utfallet."),
    )
    purpose = forms.CharField(
        label=gettext_lazy("Formålet med tilskuddet"),
        widget=TEXTAREA,
        max_length=TEXT_MAX,
        required=False,
        help_text=gettext_lazy(
            "Bare for tilskudd. Ordningens formål og hva prosjektet til fylkeskommunen skal oppnå. Står i "
            "tilskuddsbrevet; tilskudd som ikke brukes til formålet, skal betales tilbake."
        ),
    )
    conditions = forms.CharField(
        label=gettext_lazy("Vilkår"),
        widget=TEXTAREA,
        max_length=TEXT_MAX,
        required=False,
        help_text=gettext_lazy(
            "Bare for tilskudd. Vilkårene for å bruke tilskuddet. Brevet har alltid med reglene om aksept, "
            "rapportering, tilbakebetaling og kontroll."
        ),
    )
    attachments = forms.CharField(
        label=gettext_lazy("Vedlegg"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Ett vedlegg per linje, for eksempel rundskrivet. Listen står nederst i brevet."),
    )
    copy_to = forms.CharField(
        label=gettext_lazy("Kopi til"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
        help_text=gettext_lazy("Én mottaker av kopi per linje. Listen står nederst i brevet."),
    )

    def __init__(self, *args, categories: list[CategoryRow], **kwargs):
        super().__init__(*args, **kwargs)
        self.categories = categories
        for row in categories:
            self.fields[row.field_name] = AmountField(
                label=row.category.name,
                required=False,
                help_text=_("Søkt: %(requested)s") % {"requested": kr(row.requested)},
            )

    def category_fields(self):
        return [self[row.field_name] for row in self.categories]

    def clean(self):
        data = super().clean()
        if data.get("kind") != Decision.Kind.GRANT:
            # The amounts matter only for a grant: what was typed there cannot stop another kind.
            for row in self.categories:
                self._errors.pop(row.field_name, None)
                data.pop(row.field_name, None)
        return data

    def granted(self) -> dict[int, Decimal]:
        """Category id → amount, for a grant (an empty field is 0)."""
        return {row.category.pk: self.cleaned_data.get(row.field_name) or Decimal("0") for row in self.categories}


class DecisionReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor sendes forslaget tilbake?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=gettext_lazy("Saksbehandleren som foreslo vedtaket, ser begrunnelsen i saken."),
    )
