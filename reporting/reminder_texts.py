"""The reminders' texts: the subject and body of each kind, in bokmål and nynorsk (reporting.translation),
which admins read and change in the portal (``views.reminders``, ``services.reminders``), their
placeholders and their defaults. A county gets its reminders in its written standard. Placeholders use
Python's format syntax, ``{call}``; an unknown one is left as written, so an admin's typo never stops
the sweep (``reporting.reminders``)."""

from __future__ import annotations

import string

from django.utils.translation import gettext, gettext_lazy

from reporting.models import ReminderKind, ReminderText

K = ReminderKind

# --- The texts ----------------------------------------------------------------------------------

_LABELS = {
    "organisation": (gettext_lazy("fylkeskommunens navn"), "Vestland fylkeskommune"),
    "call": (gettext_lazy("utlysningens tittel"), "Forsøk med nasjonal samarbeidsmodell 2025"),
    "deadline": (gettext_lazy("fristen, norsk tid (for tilbakebetaling: forfallsdatoen)"), "10.02.2025 23:59"),
    "days": (gettext_lazy("antall dager til fristen"), "7"),
    "link": (gettext_lazy("lenke til siden i portalen"), "https://tilskudd.imdi.no/…"),
    "amount": (gettext_lazy("beløpet"), "kr 1 250 000"),
    "application": (gettext_lazy("søknadens referanse og navn"), "SØK-2025-0001 Samarbeid om fagbrev"),
    "sent": (gettext_lazy("datoen søknaden ble sendt til bekreftelse"), "03.02.2025"),
    "issued": (gettext_lazy("datoen tilskuddsbrevet ble sendt"), "15.03.2025"),
    "reference": (gettext_lazy("IMDis referanse for kravet"), "TB-2026-0001"),
}
_NAMES = {
    K.APPLICATION_DEADLINE: ("organisation", "call", "deadline", "days", "link"),
    K.AWAITING_CONFIRMATION: ("organisation", "call", "application", "sent", "deadline", "link"),
    K.AWAITING_ACCEPTANCE: ("organisation", "call", "amount", "issued", "link"),
    K.REPORT_DEADLINE: ("organisation", "call", "amount", "deadline", "days", "link"),
    K.REPORT_OVERDUE: ("organisation", "call", "amount", "deadline", "link"),
    K.REPAYMENT_DUE: ("organisation", "call", "amount", "reference", "deadline", "link"),
}


def placeholders(kind: str) -> list[tuple[str, str, str]]:
    """The placeholders a kind's text may use: (name, what it stands for, an example)."""
    found = [(name, *_LABELS[name]) for name in _NAMES[kind]]
    if kind == K.REPAYMENT_DUE:  # a due date has no time of day
        found = [(name, label, "01.06.2026" if name == "deadline" else example) for name, label, example in found]
    return found


# Greeted and signed as IMDi writes to a county, in each written standard.
_SIGNED = {
    "nb": "\n\nMed vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet",
    "nn": "\n\nMed vennleg helsing\nIntegrerings- og mangfaldsdirektoratet",
}
# The texts a kind starts with, in bokmål and nynorsk: what the data migration 0008 wrote (it keeps
# its own frozen copy), and what is used when a kind's row is missing.
_TEXTS = {
    K.APPLICATION_DEADLINE: {
        "nb": (
            "Søknadsfristen for {call} er {deadline}",
            "Hei,\n\nFristen for å søke om tilskudd i utlysningen «{call}» er {deadline}, om {days} dager. IMDi har "
            "ikke fått en innsendt søknad fra {organisation} ennå. Søknaden er sendt inn når "
            "fylkeskommunedirektøren eller den som har fullmakt, har bekreftet den i portalen.\n\n"
            "Utlysningen og søknaden: {link}",
        ),
        "nn": (
            "Søknadsfristen for {call} er {deadline}",
            "Hei,\n\nFristen for å søkje om tilskot i utlysinga «{call}» er {deadline}, om {days} dagar. IMDi har "
            "ikkje fått nokon innsend søknad frå {organisation} enno. Søknaden er sendt inn når "
            "fylkeskommunedirektøren eller den som har fullmakt, har stadfesta han i portalen.\n\n"
            "Utlysinga og søknaden: {link}",
        ),
    },
    K.AWAITING_CONFIRMATION: {
        "nb": (
            "Søknaden {application} venter på bekreftelse",
            "Hei,\n\nSøknaden {application} fra {organisation} til «{call}» ble sendt til bekreftelse {sent}, men "
            "er ikke bekreftet ennå. IMDi får søknaden først når fylkeskommunedirektøren eller den som har "
            "fullmakt, har bekreftet den. Søknadsfristen er {deadline}.\n\nLes og bekreft søknaden: {link}",
        ),
        "nn": (
            "Søknaden {application} ventar på stadfesting",
            "Hei,\n\nSøknaden {application} frå {organisation} til «{call}» vart sendt til stadfesting {sent}, men "
            "er ikkje stadfesta enno. IMDi får søknaden først når fylkeskommunedirektøren eller den som har "
            "fullmakt, har stadfesta han. Søknadsfristen er {deadline}.\n\nLes og stadfest søknaden: {link}",
        ),
    },
    K.AWAITING_ACCEPTANCE: {
        "nb": (
            "Tilskuddet i {call} venter på aksept",
            "Hei,\n\nIMDi sendte {organisation} tilskuddsbrev om {amount} i «{call}» {issued}. Tilskuddet blir "
            "utbetalt når fylkeskommunen har akseptert det i portalen. Fylkeskommunedirektøren eller den som har "
            "fullmakt, aksepterer tilskuddet.\n\nVedtaket og aksepten: {link}",
        ),
        "nn": (
            "Tilskotet i {call} ventar på aksept",
            "Hei,\n\nIMDi sende {organisation} tilskotsbrev om {amount} i «{call}» {issued}. Tilskotet blir "
            "betalt ut når fylkeskommunen har akseptert det i portalen. Fylkeskommunedirektøren eller den som har "
            "fullmakt, aksepterer tilskotet.\n\nVedtaket og aksepten: {link}",
        ),
    },
    K.REPORT_DEADLINE: {
        "nb": (
            "Fristen for rapport og regnskap er {deadline}",
            "Hei,\n\nÅrsrapport og regnskap for tilskuddet på {amount} i «{call}» skal leveres i portalen innen "
            "{deadline}, om {days} dager. Regnskapet skal være godkjent av prosjektansvarlig i fylkeskommunen og "
            "ansvarlig leder før dere sender inn.\n\nRapport og regnskap: {link}",
        ),
        "nn": (
            "Fristen for rapport og rekneskap er {deadline}",
            "Hei,\n\nÅrsrapport og rekneskap for tilskotet på {amount} i «{call}» skal leverast i portalen innan "
            "{deadline}, om {days} dagar. Rekneskapen skal vere godkjent av prosjektansvarleg i fylkeskommunen og "
            "ansvarleg leiar før de sender inn.\n\nRapport og rekneskap: {link}",
        ),
    },
    K.REPORT_OVERDUE: {
        "nb": (
            "Rapport og regnskap for {call} er ikke levert",
            "Hei,\n\nFristen for årsrapport og regnskap for tilskuddet på {amount} i «{call}» var {deadline}. IMDi "
            "har ikke fått rapporten fra {organisation}. Send den inn så snart som mulig. Tilskudd som ikke er "
            "rapportert, kan bli krevd tilbakebetalt.\n\nRapport og regnskap: {link}",
        ),
        "nn": (
            "Rapport og rekneskap for {call} er ikkje levert",
            "Hei,\n\nFristen for årsrapport og rekneskap for tilskotet på {amount} i «{call}» var {deadline}. IMDi "
            "har ikkje fått rapporten frå {organisation}. Send han inn så snart som mogleg. Tilskot som ikkje er "
            "rapportert, kan IMDi krevje tilbake.\n\nRapport og rekneskap: {link}",
        ),
    },
    K.REPAYMENT_DUE: {
        "nb": (
            "Krav om tilbakebetaling {reference} forfaller {deadline}",
            "Hei,\n\nIMDi har krevd at {organisation} betaler tilbake {amount} av tilskuddet i «{call}» (vår "
            "referanse {reference}). Forfallsdatoen er {deadline}.\n\nKravet og betalingsinformasjonen: {link}",
        ),
        "nn": (
            "Krav om tilbakebetaling {reference} forfell {deadline}",
            "Hei,\n\nIMDi har kravt at {organisation} betaler tilbake {amount} av tilskotet i «{call}» (vår "
            "referanse {reference}). Forfallsdatoen er {deadline}.\n\nKravet og betalingsinformasjonen: {link}",
        ),
    },
}
LANGUAGES = ("nb", "nn")  # settings.MODELTRANSLATION_LANGUAGES: the columns of ReminderText
# kind -> language -> (subject, body), signed.
DEFAULT_TEXTS = {
    kind: {language: (subject, body + _SIGNED[language]) for language, (subject, body) in texts.items()}
    for kind, texts in _TEXTS.items()
}


def default_columns(kind: str) -> dict[str, str]:
    """The kind's default texts as ``ReminderText`` columns: ``subject_nb``, ``body_nb``, ``subject_nn``…"""
    columns = {}
    for language, (subject, body) in DEFAULT_TEXTS[kind].items():
        columns[f"subject_{language}"], columns[f"body_{language}"] = subject, body
    return columns


class _KeepUnknown(dict):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render_text(text: str, values: dict) -> str:
    """``text`` with its placeholders filled in; an unknown one is left as written, and a text that
    cannot be read as a format string at all is sent as it is (never an error in the sweep)."""
    try:
        return text.format_map(_KeepUnknown(values))
    except (ValueError, AttributeError, IndexError, KeyError, TypeError):
        return text


def text_problems(kind: str, text: str) -> str:
    """Why ``text`` cannot be a text of ``kind`` (in words for an admin), or "" when it can."""
    try:
        fields = [(name, spec, conv) for _lit, name, spec, conv in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return gettext(
            "Teksten har en krøllparentes { eller } som ikke hører til en plassholder. "
            "Skriv {{ eller }} hvis krøllparentesen skal stå i e-posten."
        )
    allowed = set(_NAMES[kind])
    unknown = []
    for name, spec, conv in fields:
        written = "{" + name + (f"!{conv}" if conv else "") + (f":{spec}" if spec else "") + "}"
        if name not in allowed or spec or conv:
            unknown.append(written)
    if unknown:
        return gettext("Ukjente plassholdere: %(unknown)s. Du kan bruke: %(allowed)s.") % {
            "unknown": ", ".join(dict.fromkeys(unknown)),
            "allowed": ", ".join("{" + name + "}" for name in _NAMES[kind]),
        }
    return ""


def text_for(kind: str) -> ReminderText:
    """The kind's text, or an unsaved one with the default wording when the row is missing."""
    found = ReminderText.objects.select_related("updated_by").filter(kind=kind).first()
    if found is None:
        found = ReminderText(kind=kind, **default_columns(kind))
    return found
