"""Forms of the application. They validate what was typed; saving is the services' job.

Section forms accept a half-finished answer (the draft is saved as it is, and autosave must not
lose anything): what is still missing before the application can be sent is listed by
``grants.sections.missing``, not by the forms.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import TEXTAREA, AmountField
from grants.models import Application
from grants.models.applications import county_director_ids, county_people
from grants.sections import field_label_lazy, section_fields
from portal.form_fields import DateField, DateTimeField
from portal.models import Organisation
from portal.widgets import FastSelect

MAX_TOTAL = Decimal("999999999999.99")  # what a total (14 digits, 2 decimals) can hold


class VersionedForm(forms.ModelForm):
    """A section form that carries the version of the section it was loaded from (optimistic lock)."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)

    def __init__(self, *args, application: Application, section: str, **kwargs):
        self.application = application
        kwargs.setdefault("initial", {}).setdefault("version", application.versions.get(section, 0))
        super().__init__(*args, instance=application, **kwargs)
        for field in self.fields.values():
            field.required = False
        self.fields["version"].required = True


class ProjectForm(VersionedForm):
    class Meta:
        model = Application
        fields = section_fields("prosjekt")
        widgets = {
            "summary": TEXTAREA,
            "cooperation_model": TEXTAREA,
            "recruitment": TEXTAREA,
            "follow_up": TEXTAREA,
        }
        field_classes = {"period_start": DateField, "period_end": DateField}
        help_texts = {
            "summary": gettext_lazy("Kort om hva dere vil gjøre og oppnå i tilskuddsåret."),
            "cooperation_model": gettext_lazy(
                "Beskriv samarbeidet med arbeidsgivere, opplæringskontor, NAV og kommuner om rekruttering til "
                "og oppfølging av klassen."
            ),
            "participants_planned": gettext_lazy(
                "Målgruppen er voksne innvandrere med rett til videregående opplæring etter opplæringsloven "
                "§ 18-3 som har for lave norskferdigheter til å følge ordinær opplæring."
            ),
            "recruitment": gettext_lazy(
                "Nyankomne innvandrere som er omfattet av introduksjonsloven eller integreringsloven, er prioritert."
            ),
            "period_end": gettext_lazy("Tilskudd gis for ett år av gangen; prosjektperioden kan være høyst fire år."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        years = self.application.call.max_project_years
        self.fields["period_end"].help_text = gettext_lazy(
            "Tilskudd gis for ett år av gangen. Prosjektperioden kan være høyst %(years)s år."
        ) % {"years": years}

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end:
            years = self.application.call.max_project_years
            if end <= start:
                self.add_error("period_end", _("Prosjektslutt må være etter prosjektstart."))
            elif end >= start + relativedelta(years=years):
                self.add_error(
                    "period_end",
                    _("Prosjektperioden kan være høyst %(years)s år, altså til og med %(last)s.")
                    % {
                        "years": years,
                        "last": (start + relativedelta(years=years) - dt.timedelta(days=1)).strftime("%d.%m.%Y"),
                    },
                )
        return data


class AdjustmentsForm(VersionedForm):
    has_adjustments = forms.TypedChoiceField(
        label=gettext_lazy("Har dere justert tidligere samarbeidsavtaler eller planlagt aktivitet?"),
        choices=[("True", gettext_lazy("Ja")), ("False", gettext_lazy("Nei"))],
        coerce=lambda value: value == "True",
        empty_value=None,
        widget=forms.RadioSelect,
        required=False,
    )

    class Meta:
        model = Application
        fields = section_fields("justeringer")
        widgets = {"adjustments": TEXTAREA}
        help_texts = {
            "adjustments": gettext_lazy("Svarte dere ja, skal dere beskrive og begrunne justeringene."),
        }


class ExperienceForm(VersionedForm):
    class Meta:
        model = Application
        fields = section_fields("erfaringsdeling")
        widgets = {"experience_sharing": TEXTAREA, "transfer_value": TEXTAREA}
        help_texts = {
            "commits_to_sharing": gettext_lazy(
                "Dere skal bidra til erfaringsdeling fra og evaluering av forsøket, og kunne justere den regionale "
                "samarbeidsavtalen i tråd med prinsipper som IMDi og de andre fylkeskommunene i forsøket utvikler."
            ),
            "transfer_value": gettext_lazy(
                "Tiltak som prøves ut lokalt, skal ha nasjonal overføringsverdi. IMDi vektlegger i hvilken grad "
                "løsningene kan overføres til en nasjonal samarbeidsmodell."
            ),
        }


class CarryOverForm(VersionedForm):
    carry_over_amount = AmountField(label=Application._meta.get_field("carry_over_amount").verbose_name, required=False)

    class Meta:
        model = Application
        fields = section_fields("overforing")
        widgets = {"carry_over_explanation": TEXTAREA}
        help_texts = {
            "carry_over_amount": gettext_lazy(
                "Flerårige prosjekter kan søke om å videreføre ubrukte midler fra i fjor. Beløpet må også stå i "
                "fjorårets årsregnskap. Skriv 0 hvis dere ikke søker om overføring."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # IMDi approved last year's carry-over (reporting): the amount is shown, not changed.
        self.locked_amount = self.application.carry_over_amount if self.application.carry_over_locked else None
        if self.locked_amount is not None:
            field = self.fields["carry_over_amount"]
            field.widget.attrs["readonly"] = True
            field.help_text = _(
                "IMDi har godkjent at dette beløpet overføres fra i fjor, da de behandlet årsrapporten og "
                "regnskapet. Beløpet kan ikke endres."
            )

    def clean_carry_over_amount(self):
        amount = self.cleaned_data.get("carry_over_amount") or Decimal("0")
        if self.locked_amount is not None and amount != self.locked_amount:
            raise ValidationError(
                _("IMDi har godkjent beløpet som overføres fra i fjor. Det kan ikke endres i søknaden."),
                code="locked",
            )
        return amount


class ContactForm(VersionedForm):
    class Meta:
        model = Application
        fields = section_fields("kontakt")
        widgets = {"contact_phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"})}
        help_texts = {
            "contact_name": gettext_lazy("Den IMDi kan kontakte om søknaden."),
            "their_reference": gettext_lazy(
                "Valgfritt. Saksnummeret søknaden har i arkivet hos dere. IMDi skriver det som «Deres referanse» "
                "i brevene til dere."
            ),
        }
        labels = {"their_reference": gettext_lazy("Fylkeskommunens referanse (saksnummer)")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The two who approve the accounts (R21): people of the county; the director by default.
        people = county_people(self.application.organisation)
        for name in ("project_responsible", "responsible_leader"):
            field = self.fields[name]
            field.queryset = people
            field.label_from_instance = lambda user: f"{user.full_name} ({user.email})"
            field.empty_label = _("Velg person")
            field.widget.attrs["class"] = "form-select"
        self.fields["project_responsible"].help_text = gettext_lazy(
            "Godkjenner årsregnskapet for prosjektet sammen med ansvarlig leder. Må være en annen enn ansvarlig leder."
        )
        self.fields["responsible_leader"].help_text = gettext_lazy(
            "Godkjenner årsregnskapet sammen med prosjektansvarlig. Er ingen valgt, er det fylkeskommunedirektøren."
        )
        if not self.is_bound and self.application.responsible_leader_id is None:
            directors = sorted(county_director_ids(self.application.organisation_id))
            self.initial["responsible_leader"] = directors[0] if directors else None

    def clean(self):
        data = super().clean()
        owner, leader = data.get("project_responsible"), data.get("responsible_leader")
        if owner is not None and owner == leader:
            self.add_error(
                "responsible_leader",
                _("Prosjektansvarlig og ansvarlig leder må være to forskjellige personer."),
            )
        return data


class BudgetForm(VersionedForm):
    class Meta:
        model = Application
        fields = section_fields("budsjett")
        labels = {"declares_no_running_costs": field_label_lazy("declares_no_running_costs")}
        help_texts = {
            "declares_no_running_costs": gettext_lazy(
                "Tilskuddet kan ikke brukes til ordinær drift eller til investeringer og anskaffelser som inngår i "
                "ordinær drift. Nødvendig utstyr som deltakerne normalt selv må bekoste, kan dekkes."
            ),
        }


# The form of each section that has one (grants.sections.SECTIONS).
SECTION_FORMS: dict[str, type[VersionedForm]] = {
    "prosjekt": ProjectForm,
    "justeringer": AdjustmentsForm,
    "erfaringsdeling": ExperienceForm,
    "budsjett": BudgetForm,
    "overforing": CarryOverForm,
    "kontakt": ContactForm,
}


class BudgetLineForm(forms.Form):
    # A plain choice of the call's categories (read once per page, not once per row), written without a
    # template per option (issue 16: ten categories on each of the budget's rows).
    category = forms.TypedChoiceField(coerce=int, label=gettext_lazy("Kostnadskategori"), widget=FastSelect)
    amount = AmountField(label=gettext_lazy("Beløp (kr)"))
    description = forms.CharField(label=gettext_lazy("Hva beløpet dekker"), max_length=500)

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Velg kategori"))] + [(c.pk, c.name) for c in categories]
        self.fields["category"].widget.attrs["class"] = "form-select"
        self.fields["amount"].widget.attrs["class"] = "form-control budget-amount"
        self.fields["description"].widget.attrs["class"] = "form-control"
        self.use_required_attribute = False


class BaseBudgetLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, categories, **kwargs):
        self.categories = categories
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {"categories": self.categories}

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].widget.attrs["class"] = "form-check-input"

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            categories=self.categories,
            renderer=self.renderer,
        )
        self.add_fields(form, None)
        return form

    def clean(self):
        super().clean()
        total = sum(
            (form.cleaned_data.get("amount") or Decimal("0"))
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        )
        if total > MAX_TOTAL:
            raise ValidationError(_("Summen av budsjettet er for stor. Sjekk beløpene."))

    def lines(self) -> list[dict]:
        """The filled-in, not deleted rows of a valid formset."""
        # An untouched extra row has no cleaned data; a saved row the user did not change has.
        by_id = {c.pk: c for c in self.categories}
        return [
            {**form.cleaned_data, "category": by_id[form.cleaned_data["category"]]}
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]


MAX_BUDGET_LINES = 200


def budget_formset(application: Application, data=None, *, extra: int = 2) -> BaseBudgetLineFormSet:
    categories = list(application.call.cost_categories.all())
    initial = [
        {"category": line.category_id, "amount": line.amount, "description": line.description}
        for line in application.budget_lines.all()
    ]
    # absolute_max: a posted row count above 200 (TOTAL_FORMS=5000) is refused with 200 rows built and
    # shown, not Django's default of 1,200 (seconds of work for one request).
    formset_class = forms.formset_factory(
        BudgetLineForm,
        formset=BaseBudgetLineFormSet,
        extra=extra,
        can_delete=True,
        max_num=MAX_BUDGET_LINES,
        absolute_max=MAX_BUDGET_LINES,
        validate_max=True,
    )
    # A posted formset is read as posted: the saved lines are only the starting point of the page.
    return formset_class(data, initial=None if data is not None else initial, prefix="lines", categories=categories)


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Hva må rettes?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=gettext_lazy("Begrunnelsen vises for dem som arbeider med søknaden."),
    )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(
        label=gettext_lazy(
            "Jeg har lest søknaden og bekrefter at opplysningene er riktige, og at fylkeskommunen søker om tilskudd."
        )
    )


class ExtensionForm(forms.Form):
    organisation = forms.ModelChoiceField(queryset=Organisation.objects.none(), label=gettext_lazy("Fylkeskommune"))
    deadline = DateTimeField(
        label=gettext_lazy("Ny frist"),
        help_text=gettext_lazy("Norsk tid."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Begrunnelse"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000
    )

    def __init__(self, *args, call, **kwargs):
        super().__init__(*args, **kwargs)
        self.call = call
        self.fields["organisation"].queryset = call.eligible_organisations.order_by("name_nb")

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= self.call.application_deadline:
            raise ValidationError(_("Den nye fristen må være etter utlysningens søknadsfrist."))
        return deadline


def parse_amount(value: str) -> Decimal | None:
    """An amount typed in a budget row, or None when it cannot be read (used for live totals)."""
    try:
        return AmountField(required=False).clean(value)
    except (ValidationError, InvalidOperation):
        return None
