"""The real scheme and its calls, from IMDi's circular (shared/seed). Loaded by ``load_calls``.

Texts are IMDi's own, in bokmål and nynorsk (the ``_nn`` keys: the columns django-modeltranslation adds,
grants.translation): a nynorsk county reads the call, its cost categories and criteria, the scheme and
IMDi's name in nynorsk. The circular says the trial runs 2022–2026 and continues in 2026 only if the
state budget allows: the 2026 call repeats the 2025 terms with the dates moved a year, is published
subject to the budget (R5), and promises nothing beyond the trial (no carry-over past its last year).
Neither call has an opening time (the circular gives none): a call is open from publication.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from portal.formats import OSLO

IMDI = {
    "name": "Integrerings- og mangfoldsdirektoratet (IMDi)",
    "name_nn": "Integrerings- og mangfaldsdirektoratet (IMDi)",
    "orgnr": "987879696",
    "kind": "directorate",
    "written_standard": "nb",
    "postal_address": "Postboks 2832 Tøyen\n0608 Oslo",
    "letter_email": "post@imdi.no",
}

# The trial's first and last year (the circular: "Forsøket gjennomføres i perioden 2022-2026").
TRIAL_YEARS = (2022, 2026)
TRIAL_PERIOD = f"{TRIAL_YEARS[0]}–{TRIAL_YEARS[1]}"
# The year the circular funds ("inntil 5 mill. kroner ... i 2025"); later years depend on the budget.
FUNDED_YEAR = 2025

# The main circular the scheme belongs to, as the circular cites it (review X1).
CIRCULAR = "Rundskriv 08/2025 Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak"
# In nynorsk too the circular is cited by its title, as a law is by its name (the circular is in bokmål).
CIRCULAR_NN = CIRCULAR

SCHEME = {
    "code": "kvalifisering-integrering-sats3",
    "name": "Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak",
    "priority_area": ("Satsingsområde 3: Forsøk med nasjonal samarbeidsmodell for tilrettelagt fag- og yrkesopplæring"),
    "legal_basis": (
        "Retningslinjer fastsatt av Arbeids- og inkluderingsdepartementet 1. januar 2024 etter § 8 i "
        "reglement for økonomistyring i staten og kapittel 6 i bestemmelser om økonomistyring i staten."
    ),
    "circular": CIRCULAR,
    "name_nn": "Tilskot til utvikling av kommunale kvalifiserings- og integreringstiltak",
    "priority_area_nn": (
        "Satsingsområde 3: Forsøk med nasjonal samarbeidsmodell for tilrettelagt fag- og yrkesopplæring"
    ),
    "legal_basis_nn": (
        "Retningslinjer fastsette av Arbeids- og inkluderingsdepartementet 1. januar 2024 etter § 8 i "
        "reglement for økonomistyring i staten og kapittel 6 i føresegner om økonomistyring i staten."
    ),
    "circular_nn": CIRCULAR_NN,
}

COST_CATEGORIES = [
    ("Drift av samarbeidet", "For eksempel prosjektledelse, møtevirksomhet og reisekostnader for ansatte."),
    ("Lærer- og veiledningsressurser", ""),
    ("Tilrettelegging utover opplæringsloven § 4A-3", ""),
    ("Individuell oppfølging av deltakere i bedrift", ""),
    ("Oppfølging av samarbeidende arbeidsgivere", ""),
    ("Kompetanseheving av lærere og veiledere", ""),
    ("Tolk ved realkompetansevurdering", ""),
    ("Læringsfremmende og sosialt miljø i klassen", "Utvikling og opprettholdelse av miljøet i klassen."),
    (
        "Reisekostnader for deltakere ved store avstander",
        "Aktuelt ved en eventuell desentralisert modell.",
    ),
    ("Nødvendig utstyr som deltakerne normalt selv må bekoste", ""),
]

COST_CATEGORIES_NN = [
    ("Drift av samarbeidet", "Til dømes prosjektleiing, møteverksemd og reisekostnader for tilsette."),
    ("Lærar- og rettleiingsressursar", ""),
    ("Tilrettelegging utover opplæringslova § 4A-3", ""),
    ("Individuell oppfølging av deltakarar i bedrift", ""),
    ("Oppfølging av samarbeidande arbeidsgivarar", ""),
    ("Kompetanseheving av lærarar og rettleiarar", ""),
    ("Tolk ved realkompetansevurdering", ""),
    ("Læringsfremjande og sosialt miljø i klassen", "Utvikling og vedlikehald av miljøet i klassen."),
    (
        "Reisekostnader for deltakarar ved store avstandar",
        "Aktuelt ved ein eventuell desentralisert modell.",
    ),
    ("Naudsynt utstyr som deltakarane normalt sjølve må betale for", ""),
]

CRITERIA = [
    (
        "Samarbeid med arbeidsgivere, opplæringskontor, NAV og kommuner",
        "Samarbeid om rekruttering til og oppfølging av klassen er etablert, og samarbeidsavtalene er lagt ved.",
    ),
    (
        "Justeringer av samarbeidsavtaler og planlagt aktivitet",
        "Eventuelle justeringer er beskrevet og begrunnet.",
    ),
    (
        "Erfaringsdeling og evaluering",
        "Fylkeskommunen bidrar til erfaringsdeling og evaluering og kan justere den regionale "
        "samarbeidsavtalen i tråd med prinsipper som utvikles i forsøket.",
    ),
    (
        "Nasjonal overføringsverdi",
        "I hvilken grad fylkeskommunen har funnet løsninger som kan ha overføringsverdi til en nasjonal "
        "samarbeidsmodell.",
    ),
]

CRITERIA_NN = [
    (
        "Samarbeid med arbeidsgivarar, opplæringskontor, NAV og kommunar",
        "Samarbeid om rekruttering til og oppfølging av klassen er etablert, og samarbeidsavtalane er lagde ved.",
    ),
    (
        "Justeringar av samarbeidsavtalar og planlagd aktivitet",
        "Eventuelle justeringar er skildra og grunngitte.",
    ),
    (
        "Erfaringsdeling og evaluering",
        "Fylkeskommunen bidreg til erfaringsdeling og evaluering og kan justere den regionale "
        "samarbeidsavtalen i tråd med prinsipp som blir utvikla i forsøket.",
    ),
    (
        "Nasjonal overføringsverdi",
        "I kva grad fylkeskommunen har funne løysingar som kan ha overføringsverdi til ein nasjonal samarbeidsmodell.",
    ),
]


def _rows(bokmal: list[tuple[str, str]], nynorsk: list[tuple[str, str]], text: str) -> list[dict]:
    return [
        {"name": name, text: help_text, "name_nn": name_nn, f"{text}_nn": help_nn}
        for (name, help_text), (name_nn, help_nn) in zip(bokmal, nynorsk, strict=True)
    ]


def cost_categories() -> list[dict]:
    """The cost categories' columns in both standards, in the call's order."""
    return _rows(COST_CATEGORIES, COST_CATEGORIES_NN, "help_text")


def criteria() -> list[dict]:
    """The criteria's columns in both standards, in the call's order."""
    return _rows(CRITERIA, CRITERIA_NN, "description")


TEXTS = {
    "introduction": (
        "IMDi etablerte i 2022 et forsøk med å utvikle en nasjonal samarbeidsmodell for tilrettelagt fag- og "
        "yrkesopplæring for voksne innvandrere. Forsøket gjennomføres i perioden "
        f"{TRIAL_PERIOD}. IMDi har ansvar for "
        "å forvalte tilskuddsordningen og videreutvikle forsøket i samarbeid med fylkeskommunene som deltar."
    ),
    "purpose": (
        "Formålet med ordningen er å øke kvaliteten og bedre resultatene i kommunenes og fylkeskommunenes "
        "kvalifiserings- og integreringsarbeid med sikte på å få målgruppen ut i arbeid eller utdanning, jf. "
        f"{CIRCULAR[0].lower()}{CIRCULAR[1:]}.\n"
        "Formålet med satsingsområde 3 er å utvikle en nasjonal samarbeidsmodell for tilrettelagt fag- og "
        f"yrkesopplæring. Forsøket gjennomføres i tre fylker i perioden {TRIAL_PERIOD}."
    ),
    "target_group": (
        "Voksne innvandrere som har rett til videregående opplæring etter opplæringsloven § 18-3, men som har "
        "for lave norskferdigheter til å følge ordinær opplæring uten tilrettelegging. Nyankomne innvandrere som "
        "er omfattet av introduksjonsloven (jf. § 2 og § 17) eller integreringsloven (jf. § 9 og § 28), er "
        "prioritert."
    ),
    "who_may_apply": "Bare de tre fylkeskommunene som allerede deltar i forsøket, kan søke på nytt.",
    "conditions": (
        "Dere skal ha opprettet samarbeid med aktuelle arbeidsgivere, opplæringskontor, NAV og kommuner om "
        "rekruttering til, og oppfølging av klassen. Samarbeidsavtaler legger dere ved søknaden. Har dere "
        "justert på tidligere samarbeidsavtaler og/eller planlagt aktivitet, skal dere beskrive og begrunne "
        "justeringene.\n"
        "Dere skal bidra til erfaringsdeling fra og evaluering av forsøket, og skal kunne justere den regionale "
        "samarbeidsavtalen i tråd med prinsipper som IMDi og andre deltakende fylkeskommuner i forsøket "
        "utvikler. Tiltak som prøves ut lokalt, skal ha nasjonal overføringsverdi.\n"
        "I tillegg vektlegger IMDi i hvilken grad dere har funnet løsninger som kan ha overføringsverdi til en "
        "nasjonal samarbeidsmodell."
    ),
    "ineligible_costs": (
        "Dere kan ikke bruke tilskuddsmidlene til ordinær drift eller til investeringer og anskaffelser som "
        "inngår i ordinær drift."
    ),
    "how_to_apply": (
        "Søknaden leverer dere i denne søknadsportalen. Søknaden skal bekreftes av fylkeskommunedirektøren "
        "eller etter tildelt fullmakt i portalen."
    ),
    "appeal_rules": (
        "Avgjørelser om tilskudd etter rundskrivet regnes ikke som et enkeltvedtak etter forvaltningsloven § 28, "
        "jf. forvaltningsloven § 2. Fylkeskommunene kan derfor ikke klage, jf. forvaltningsloven §§ 3 første "
        "ledd og 28.\n"
        "Ellers gjelder forvaltningslovens saksbehandlingsregler. En beslutning om å avvise en søknad er et "
        "enkeltvedtak etter forvaltningsloven § 2 bokstav b, og fylkeskommunene har derfor rett til å klage "
        "etter forvaltningsloven § 28. Klagefristen er tre uker fra mottakeren får vedtaket, jf. "
        "forvaltningsloven § 29. Arbeids- og inkluderingsdepartementet er klageinstans. Selve klagen sender "
        "dere til IMDi."
    ),
    "payment_terms": (
        "IMDi tildeler tilskuddet for ett år av gangen, og midlene utbetales etter at søkeren har akseptert "
        "tilskuddet. Maksimum prosjektperiode for å motta tilskuddet er fire år."
    ),
}


TEXTS_NN = {
    "introduction": (
        "IMDi oppretta i 2022 eit forsøk med å utvikle ein nasjonal samarbeidsmodell for tilrettelagt fag- og "
        "yrkesopplæring for vaksne innvandrarar. Forsøket blir gjennomført i perioden "
        f"{TRIAL_PERIOD}. IMDi har ansvaret for å forvalte tilskotsordninga og vidareutvikle forsøket i "
        "samarbeid med fylkeskommunane som deltek."
    ),
    "purpose": (
        "Formålet med ordninga er å auke kvaliteten og betre resultata i kvalifiserings- og integreringsarbeidet "
        "til kommunane og fylkeskommunane, med sikte på å få målgruppa ut i arbeid eller utdanning, jf. "
        f"{CIRCULAR_NN[0].lower()}{CIRCULAR_NN[1:]}.\n"
        "Formålet med satsingsområde 3 er å utvikle ein nasjonal samarbeidsmodell for tilrettelagt fag- og "
        f"yrkesopplæring. Forsøket blir gjennomført i tre fylke i perioden {TRIAL_PERIOD}."
    ),
    "target_group": (
        "Vaksne innvandrarar som har rett til vidaregåande opplæring etter opplæringslova § 18-3, men som har "
        "for låge norskferdigheiter til å følgje ordinær opplæring utan tilrettelegging. Nykomne innvandrarar "
        "som er omfatta av introduksjonslova (jf. § 2 og § 17) eller integreringslova (jf. § 9 og § 28), er "
        "prioriterte."
    ),
    "who_may_apply": "Berre dei tre fylkeskommunane som alt deltek i forsøket, kan søkje på nytt.",
    "conditions": (
        "De skal ha oppretta samarbeid med aktuelle arbeidsgivarar, opplæringskontor, NAV og kommunar om "
        "rekruttering til og oppfølging av klassen. Samarbeidsavtalane legg de ved søknaden. Har de justert "
        "tidlegare samarbeidsavtalar og/eller planlagd aktivitet, skal de skildre og grunngi justeringane.\n"
        "De skal bidra til erfaringsdeling frå og evaluering av forsøket, og skal kunne justere den regionale "
        "samarbeidsavtalen i tråd med prinsipp som IMDi og andre deltakande fylkeskommunar i forsøket "
        "utviklar. Tiltak som blir prøvde ut lokalt, skal ha nasjonal overføringsverdi.\n"
        "I tillegg legg IMDi vekt på i kva grad de har funne løysingar som kan ha overføringsverdi til ein "
        "nasjonal samarbeidsmodell."
    ),
    "ineligible_costs": (
        "De kan ikkje bruke tilskotsmidlane til ordinær drift eller til investeringar og innkjøp som inngår i "
        "ordinær drift."
    ),
    "how_to_apply": (
        "Søknaden leverer de i denne søknadsportalen. Søknaden skal stadfestast av fylkeskommunedirektøren "
        "eller etter tildelt fullmakt i portalen."
    ),
    "appeal_rules": (
        "Avgjerder om tilskot etter rundskrivet blir ikkje rekna som enkeltvedtak etter forvaltningsloven § 28, "
        "jf. forvaltningsloven § 2. Fylkeskommunane kan difor ikkje klage, jf. forvaltningsloven §§ 3 første "
        "ledd og 28.\n"
        "Elles gjeld sakshandsamingsreglane i forvaltningsloven. Ei avgjerd om å avvise ein søknad er eit "
        "enkeltvedtak etter forvaltningsloven § 2 bokstav b, og fylkeskommunane har difor rett til å klage "
        "etter forvaltningsloven § 28. Klagefristen er tre veker frå mottakaren får vedtaket, jf. "
        "forvaltningsloven § 29. Arbeids- og inkluderingsdepartementet er klageinstans. Sjølve klaga sender "
        "de til IMDi."
    ),
    "payment_terms": (
        "IMDi tildeler tilskotet for eitt år om gongen, og midlane blir betalte ut etter at søkjaren har "
        "akseptert tilskotet. Lengste prosjektperiode for å få tilskotet er fire år."
    ),
}


def _carry_over(year: int) -> str:
    """Carry-over of unused funds to the next year: only within the trial. In its last year the
    text offers none (the circular promises nothing after the trial ends)."""
    if year >= TRIAL_YEARS[1]:
        return (
            "Dere skal som hovedregel bruke og regnskapsføre tilskuddet i kalenderåret. Forsøket avsluttes i "
            f"{TRIAL_YEARS[1]}.\n"
        )
    return (
        "Dere skal som hovedregel bruke og regnskapsføre tilskuddet i kalenderåret. For flerårige prosjekter "
        f"med ubrukte midler i {year} kan dere søke om å videreføre dem til {year + 1}. Ubrukte midler oppgir "
        f"dere i årsregnskapet for {year}, og beløpet må komme fram i søknaden for {year + 1}.\n"
    )


def _carry_over_nn(year: int) -> str:
    if year >= TRIAL_YEARS[1]:
        return (
            "De skal som hovudregel bruke og rekneskapsføre tilskotet i kalenderåret. Forsøket blir avslutta i "
            f"{TRIAL_YEARS[1]}.\n"
        )
    return (
        "De skal som hovudregel bruke og rekneskapsføre tilskotet i kalenderåret. For fleirårige prosjekt med "
        f"ubrukte midlar i {year} kan de søkje om å føre dei vidare til {year + 1}. Ubrukte midlar oppgir de i "
        f"årsrekneskapen for {year}, og beløpet må kome fram i søknaden for {year + 1}.\n"
    )


def _assessment(year: int) -> str:
    """How IMDi allocates: the 2025 amount from the circular; a later trial year only "under
    forutsetning om bevilgning over statsbudsjettet", with no amount promised."""
    if year == FUNDED_YEAR:
        return (
            "IMDi fordeler inntil 5 mill. kroner til fylkeskommuner som deltar i forsøket i 2025, med "
            "videreføring i 2026 under forutsetning om bevilgning over statsbudsjettet."
        )
    return (
        f"IMDi fordeler tilskudd til fylkeskommuner som deltar i forsøket i {year}, under forutsetning om "
        f"bevilgning over statsbudsjettet for {year}."
    )


def _assessment_nn(year: int) -> str:
    if year == FUNDED_YEAR:
        return (
            "IMDi fordeler inntil 5 mill. kroner til fylkeskommunar som deltek i forsøket i 2025, med "
            "vidareføring i 2026 under føresetnad av løyving over statsbudsjettet."
        )
    return (
        f"IMDi fordeler tilskot til fylkeskommunar som deltek i forsøket i {year}, under føresetnad av "
        f"løyving over statsbudsjettet for {year}."
    )


def _reporting(year: int) -> str:
    return (
        "Dere skal levere årsrapport og eventuelt andre dokumenter som beskriver årets virksomhet. I "
        "årsrapporten skal dere beskrive samarbeidsmodellen regionalt, utviklingen av samarbeidet, aktiviteter "
        "i perioden og hvordan tilskuddet er brukt.\n"
        f"Dere skal levere regnskap med oversikt over prosjektets bokførte inntekter og utgifter i {year}, som "
        "vedlegg til årsrapporten. Regnskapet skal være godkjent av prosjektansvarlig i fylkeskommunen og "
        "ansvarlig leder. For fylkeskommuner stilles det ikke krav til attestasjon fra revisor.\n"
        + _carry_over(year)
        + "Hvis dere ikke kan bruke tilskuddet til formålet eller ikke bruker det innen rimelig tid, skal dere "
        "betale tilbake tilskuddet. Nærmere vilkår går fram av tilskuddsbrevet.\n"
        "IMDi og Riksrevisjonen kan kontrollere at midlene brukes etter forutsetningene."
    )


def _reporting_nn(year: int) -> str:
    return (
        "De skal levere årsrapport og eventuelt andre dokument som skildrar verksemda i året. I årsrapporten "
        "skal de skildre samarbeidsmodellen regionalt, utviklinga av samarbeidet, aktivitetar i perioden og "
        "korleis tilskotet er brukt.\n"
        f"De skal levere rekneskap med oversikt over dei bokførte inntektene og utgiftene til prosjektet i {year}, "
        "som vedlegg til årsrapporten. Rekneskapen skal vere godkjent av prosjektansvarleg i fylkeskommunen og "
        "ansvarleg leiar. For fylkeskommunar blir det ikkje stilt krav om attestasjon frå revisor.\n"
        + _carry_over_nn(year)
        + "Dersom de ikkje kan bruke tilskotet til formålet eller ikkje bruker det innan rimeleg tid, skal de "
        "betale tilbake tilskotet. Nærare vilkår går fram av tilskotsbrevet.\n"
        "IMDi og Riksrevisjonen kan kontrollere at midlane blir brukte etter føresetnadene."
    )


def _at(year: int, month: int, day: int, hour: int = 23, minute: int = 59, second: int = 59) -> dt.datetime:
    """A moment in Norwegian time; a deadline at 23:59 holds to the last microsecond of the day."""
    microsecond = 999_999 if (hour, minute, second) == (23, 59, 59) else 0
    return dt.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=OSLO)


def call_data(year: int) -> dict:
    """The call's columns for ``year``: its texts in bokmål (``title``…) and nynorsk (``title_nn``…)."""
    title = f"Nasjonal samarbeidsmodell for tilrettelagt fag- og yrkesopplæring {year}"
    return {
        "title": title,
        "title_nn": title,  # the same in both standards
        **{f"{name}_nn": text for name, text in TEXTS_NN.items()},
        "assessment_nn": _assessment_nn(year),
        "reporting_nn": _reporting_nn(year),
        "is_published": True,
        # After the funded year the trial continues only if the state budget allows (R5, review C5).
        "subject_to_budget": year > FUNDED_YEAR,
        **TEXTS,
        "assessment": _assessment(year),
        "reporting": _reporting(year),
        "opens_at": None,  # the circular gives no opening time: open from publication
        "application_deadline": _at(year, 2, 10),
        "report_deadline": _at(year + 1, 2, 1),
        "pot": Decimal("5000000.00"),
        "max_project_years": 4,
        "contact_email": "tuki@imdi.no",
    }


CALL_YEARS = (2025, 2026)
