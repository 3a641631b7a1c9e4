"""Forms of IMDi's case pages: the inbox filters, assignment, the declaration of impartiality and
the assessment. They validate what was typed; the services in ``grants.services.cases`` change state."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grants.forms.fields import AmountField
from grants.models import Case, Criterion, LineAssessment
from portal.formats import kr
from portal.models import Role, User
from portal.widgets import FastSelect

UNASSIGNED = "none"
YES_NO = [("True", gettext_lazy("Ja")), ("False", gettext_lazy("Nei"))]


def caseworkers():
    return (
        User.objects.filter(memberships__role=Role.CASEWORKER)
        .distinct()
        .only("id", "full_name")
        .order_by("full_name", "pk")
    )


# --- The inbox --------------------------------------------------------------------------------


class CaseFilterForm(forms.Form):
    """The inbox's filters, read from the query string. A value that is not a choice is ignored."""

    call = forms.ChoiceField(label=gettext_lazy("Utlysning"), required=False, widget=FastSelect)
    county = forms.ChoiceField(label=gettext_lazy("Fylkeskommune"), required=False, widget=FastSelect)
    state = forms.ChoiceField(label=gettext_lazy("Saksstatus"), required=False, widget=FastSelect)
    caseworker = forms.ChoiceField(label=gettext_lazy("Saksbehandler"), required=False, widget=FastSelect)

    def __init__(self, data, *, calls, counties, workers):
        super().__init__(data)
        self.fields["call"].choices = [("", _("Alle utlysninger"))] + [(str(c.pk), c.title) for c in calls]
        self.fields["county"].choices = [("", _("Alle fylkeskommuner"))] + [(str(o.pk), o.name) for o in counties]
        self.fields["state"].choices = [("", _("Alle statuser")), *Case.State.choices]
        self.fields["caseworker"].choices = [
            ("", _("Alle saksbehandlere")),
            (UNASSIGNED, _("Ikke tildelt")),
            *((str(u.pk), u.full_name) for u in workers),
        ]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select"

    def filters(self) -> dict[str, str]:
        """The valid, chosen filters (an invalid one is left out rather than failing the page)."""
        self.is_valid()
        return {name: value for name, value in self.cleaned_data.items() if value}


# --- Assignment and impartiality --------------------------------------------------------------


class CaseworkerChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, disqualified: set[int] = frozenset(), **kwargs):
        self.disqualified = disqualified
        super().__init__(*args, **kwargs)

    def label_from_instance(self, user) -> str:
        if user.pk in self.disqualified:
            return _("%(name)s (har erklært seg inhabil i saken)") % {"name": user.full_name}
        return user.full_name


class AssignForm(forms.Form):
    assignee = CaseworkerChoiceField(
        queryset=User.objects.none(),
        label=gettext_lazy("Saksbehandler"),
        empty_label=gettext_lazy("Velg saksbehandler"),
        help_text=gettext_lazy(
            "Den som får saken, må erklære om hen er inhabil før vurderingen (forvaltningsloven §§ 6–10)."
        ),
        error_messages={
            "required": gettext_lazy("Velg saksbehandleren som skal ha saken."),
            "invalid_choice": gettext_lazy("Velg en saksbehandler i IMDi fra listen."),
        },
    )

    def __init__(self, *args, disqualified: set[int] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        field.queryset = caseworkers()
        field.disqualified = disqualified
        field.widget.attrs["class"] = "form-select"


class DeclarationForm(forms.Form):
    disqualified = forms.TypedChoiceField(
        label=gettext_lazy("Er du inhabil i denne saken?"),
        choices=[("False", gettext_lazy("Jeg er ikke inhabil")), ("True", gettext_lazy("Jeg er inhabil"))],
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Svar om du er inhabil eller ikke.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Hvorfor er du inhabil?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=gettext_lazy("Må fylles ut hvis du er inhabil. Begrunnelsen lagres i saken."),
    )

    def clean(self):
        data = super().clean()
        if data.get("disqualified") and not data.get("reason", "").strip():
            self.add_error("reason", _("Skriv hvorfor du er inhabil."))
        return data


# --- The assessment ---------------------------------------------------------------------------

CONDITIONS = ("agreements_ok", "declaration_ok", "in_time_ok")


class AssessmentForm(forms.Form):
    """The conditions, a score and comment per criterion, each budget line's eligibility and
    recommended amount, the recommended total and the justification. Fields per criterion and per
    line are named ``score_<criterion id>``, ``comment_<criterion id>``, ``eligible_<line index>``
    and ``recommended_<line index>``."""

    agreements_ok = forms.TypedChoiceField(
        label=capfirst(Case._meta.get_field("agreements_ok").verbose_name),
        choices=YES_NO,
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    declaration_ok = forms.TypedChoiceField(
        label=capfirst(Case._meta.get_field("declaration_ok").verbose_name),
        choices=YES_NO,
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    in_time_ok = forms.TypedChoiceField(
        label=capfirst(Case._meta.get_field("in_time_ok").verbose_name),
        choices=YES_NO,
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
    )
    conditions_note = forms.CharField(
        label=capfirst(Case._meta.get_field("conditions_note").verbose_name),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        required=False,
    )
    recommended_total = AmountField(label=gettext_lazy("Anbefalt tilskudd (kr)"), required=False)
    justification = forms.CharField(
        label=capfirst(Case._meta.get_field("justification").verbose_name),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=10000,
        required=False,
        help_text=gettext_lazy("Hvorfor du anbefaler dette beløpet, med vekt på kriteriene og vilkårene."),
    )

    def __init__(
        self,
        data=None,
        *,
        case: Case,
        criteria: list[Criterion],
        lines: list[LineAssessment],
        hints: dict[str, str],
    ):
        self.criteria, self.lines = criteria, lines
        super().__init__(data, initial=None if data is not None else self._initial(case, lines))
        for name in CONDITIONS:
            self.fields[name].help_text = hints.get(name, "")
        self.fields["recommended_total"].help_text = _(
            "Før du setter det selv, foreslås summen av de anbefalte beløpene per linje (%(sum)s)."
        ) % {"sum": kr(sum((line.recommended for line in lines if line.eligible), Decimal("0")))}
        for criterion in criteria:
            label = _("Poeng for «%(name)s»") % {"name": criterion.name}
            message = _("Poeng for «%(name)s» må være mellom 0 og %(max)s.") % {
                "name": criterion.name,
                "max": criterion.max_score,
            }
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=criterion.max_score,
                required=False,
                help_text=_("Fra 0 til %(max)s.") % {"max": criterion.max_score},
                error_messages={"min_value": message, "max_value": message, "invalid": message},
                widget=forms.NumberInput(attrs={"min": 0, "max": criterion.max_score}),
            )
            self.fields[f"comment_{criterion.pk}"] = forms.CharField(
                label=_("Kommentar til «%(name)s»") % {"name": criterion.name},
                widget=forms.Textarea(attrs={"rows": 3}),
                max_length=4000,
                required=False,
            )
        for line in lines:
            self.fields[f"eligible_{line.index}"] = forms.BooleanField(
                label=_("«%(line)s» er tilskuddsberettiget") % {"line": line.description},
                required=False,
                widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
            )
            recommended = AmountField(
                label=_("Anbefalt beløp for «%(line)s»") % {"line": line.description}, required=False
            )
            recommended.widget.attrs["class"] = "form-control"
            self.fields[f"recommended_{line.index}"] = recommended
        self.use_required_attribute = False

    @staticmethod
    def _initial(case: Case, lines: list[LineAssessment]) -> dict:
        initial = {name: getattr(case, name) for name in CONDITIONS}
        initial["conditions_note"] = case.conditions_note
        initial["justification"] = case.justification
        for score in case.scores.all():
            initial[f"score_{score.criterion_id}"] = score.score
            initial[f"comment_{score.criterion_id}"] = score.comment
        for line in lines:
            initial[f"eligible_{line.index}"] = line.eligible
            initial[f"recommended_{line.index}"] = line.recommended
        # Until the caseworker sets it, the total is what the lines recommend.
        initial["recommended_total"] = (
            case.recommended_total
            if case.recommended_total is not None
            else sum((line.recommended for line in lines if line.eligible), Decimal("0"))
        )
        return initial

    def criterion_rows(self):
        return [(c, self[f"score_{c.pk}"], self[f"comment_{c.pk}"]) for c in self.criteria]

    def line_rows(self):
        return [(line, self[f"eligible_{line.index}"], self[f"recommended_{line.index}"]) for line in self.lines]

    def clean(self):
        data = super().clean()
        for line in self.lines:
            eligible, name = data.get(f"eligible_{line.index}"), f"recommended_{line.index}"
            if not eligible or name not in data:  # not eligible: 0; a bad amount already has its error
                continue
            amount = data[name]
            if amount is None:
                self.add_error(
                    name,
                    _("Skriv anbefalt beløp for «%(line)s», eller fjern krysset for tilskuddsberettiget.")
                    % {"line": line.description},
                )
            elif amount > line.requested:
                self.add_error(
                    name,
                    _("Anbefalt beløp for «%(line)s» må være mellom 0 og det som er søkt (%(requested)s).")
                    % {"line": line.description, "requested": kr(line.requested)},
                )
        return data

    # What the service takes (a valid form only).

    def conditions(self) -> dict[str, bool | None]:
        return {name: self.cleaned_data[name] for name in CONDITIONS}

    def scores(self) -> dict[int, tuple[int | None, str]]:
        return {c.pk: (self.cleaned_data[f"score_{c.pk}"], self.cleaned_data[f"comment_{c.pk}"]) for c in self.criteria}

    def line_inputs(self) -> list[dict]:
        """Each line's ``index``, ``eligible`` and ``recommended`` (0 when not eligible)."""
        inputs = []
        for line in self.lines:
            eligible = self.cleaned_data[f"eligible_{line.index}"]
            amount = self.cleaned_data[f"recommended_{line.index}"] if eligible else None
            inputs.append({"index": line.index, "eligible": eligible, "recommended": amount or Decimal("0")})
        return inputs
