"""The letter templates of the seeded scheme (``grants.seed``), in bokmål and nynorsk: the texts a
caseworker's proposal starts from, one template per kind of decision and call (``LetterTemplate``).
Loaded by ``load_calls``; IMDi's admins own them afterwards.

``{county}``, ``{title}``, ``{requested}``, ``{amount}``, ``{received}`` and ``{deadline}`` are filled
from the case (``grants.letters.proposal_texts``). The rules cite the circular for satsingsområde 3, the
main circular (rundskriv 08/2025) and the ministry's guidelines; a dismissal cites the deadline and the
who-may-apply rule. The conditions are the grant's, not what the application had to contain. A circular's
title is a name and stays as IMDi wrote it, in the nynorsk texts too (as the law names do).
"""

from __future__ import annotations

AREA_CIRCULAR = (
    "«Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak – satsingsområde 3: Forsøk med "
    "nasjonal samarbeidsmodell for tilrettelagt fag- og yrkesopplæring»"
)
MAIN_CIRCULAR = "rundskriv 08/2025 «Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak»"

GUIDELINES = {
    "nb": (
        "Retningslinjer fastsatt av Arbeids- og inkluderingsdepartementet 1. januar 2024 etter § 8 i reglement for "
        "økonomistyring i staten og kapittel 6 i bestemmelser om økonomistyring i staten."
    ),
    "nn": (
        "Retningslinjer fastsette av Arbeids- og inkluderingsdepartementet 1. januar 2024 etter § 8 i reglement for "
        "økonomistyring i staten og kapittel 6 i føresegner om økonomistyring i staten."
    ),
}

GRANT = {
    "nb": {
        "rules": (
            f"Rundskrivet {AREA_CIRCULAR}, punktene «Hvem kan få tilskudd?», «Vilkår for å motta tilskudd», «Slik "
            "fordeler IMDi tilskuddet» og «Utgifter tilskuddet kan dekke».\n"
            f"{MAIN_CIRCULAR[:1].upper()}{MAIN_CIRCULAR[1:]}.\n" + GUIDELINES["nb"]
        ),
        "facts": (
            "{county} søkte {received} om {requested} til prosjektet «{title}». IMDi har vurdert søknaden etter "
            "vilkårene og kriteriene i rundskrivet og fordelt {amount} til prosjektet."
        ),
        "purpose": (
            "Formålet med ordningen er å øke kvaliteten og bedre resultatene i kommunenes og fylkeskommunenes "
            "kvalifiserings- og integreringsarbeid med sikte på å få målgruppen ut i arbeid eller utdanning, jf. "
            f"{MAIN_CIRCULAR}. Formålet med satsingsområde 3 er å utvikle en nasjonal samarbeidsmodell for "
            "tilrettelagt fag- og yrkesopplæring for voksne innvandrere.\n"
            "Tilskuddet til {county} skal brukes til prosjektet «{title}»: å gi voksne innvandrere i målgruppen "
            "tilrettelagt fag- og yrkesopplæring i samarbeid med arbeidsgivere, opplæringskontor, NAV og kommuner, "
            "og å utvikle løsninger som kan ha overføringsverdi til en nasjonal samarbeidsmodell."
        ),
        "conditions": (
            "Tilskuddet skal brukes til prosjektet slik det er beskrevet i søknaden, og bare til utgifter knyttet "
            "til deltakelsen i forsøket.\n"
            "Tilskuddet kan ikke brukes til ordinær drift eller til investeringer og anskaffelser som inngår i "
            "ordinær drift.\n"
            "Fylkeskommunen skal opprettholde samarbeidet med arbeidsgivere, opplæringskontor, NAV og kommuner om "
            "rekruttering til og oppfølging av klassen.\n"
            "Fylkeskommunen skal bidra til erfaringsdeling fra og evaluering av forsøket, og skal kunne justere den "
            "regionale samarbeidsavtalen i tråd med prinsipper som IMDi og de andre fylkeskommunene i forsøket "
            "utvikler.\n"
            "Fylkeskommunen skal straks melde fra til IMDi om endringer i prosjektet som kan ha betydning for "
            "tilskuddet."
        ),
    },
    "nn": {
        "rules": (
            f"Rundskrivet {AREA_CIRCULAR}, punkta «Hvem kan få tilskudd?», «Vilkår for å motta tilskudd», «Slik "
            "fordeler IMDi tilskuddet» og «Utgifter tilskuddet kan dekke».\n"
            f"{MAIN_CIRCULAR[:1].upper()}{MAIN_CIRCULAR[1:]}.\n" + GUIDELINES["nn"]
        ),
        "facts": (
            "{county} søkte {received} om {requested} til prosjektet «{title}». IMDi har vurdert søknaden etter "
            "vilkåra og kriteria i rundskrivet og fordelt {amount} til prosjektet."
        ),
        "purpose": (
            "Formålet med ordninga er å auke kvaliteten og betre resultata i kvalifiserings- og integreringsarbeidet "
            "til kommunane og fylkeskommunane, med sikte på å få målgruppa ut i arbeid eller utdanning, jf. "
            f"{MAIN_CIRCULAR}. Formålet med satsingsområde 3 er å utvikle ein nasjonal samarbeidsmodell for "
            "tilrettelagd fag- og yrkesopplæring for vaksne innvandrarar.\n"
            "Tilskotet til {county} skal brukast til prosjektet «{title}»: å gi vaksne innvandrarar i målgruppa "
            "tilrettelagd fag- og yrkesopplæring i samarbeid med arbeidsgivarar, opplæringskontor, NAV og kommunar, "
            "og å utvikle løysingar som kan ha overføringsverdi til ein nasjonal samarbeidsmodell."
        ),
        "conditions": (
            "Tilskotet skal brukast til prosjektet slik det er skildra i søknaden, og berre til utgifter knytte til "
            "deltakinga i forsøket.\n"
            "Tilskotet kan ikkje brukast til ordinær drift eller til investeringar og innkjøp som inngår i ordinær "
            "drift.\n"
            "Fylkeskommunen skal halde oppe samarbeidet med arbeidsgivarar, opplæringskontor, NAV og kommunar om "
            "rekruttering til og oppfølging av klassen.\n"
            "Fylkeskommunen skal bidra til erfaringsdeling frå og evaluering av forsøket, og skal kunne justere den "
            "regionale samarbeidsavtalen i tråd med prinsipp som IMDi og dei andre fylkeskommunane i forsøket "
            "utviklar.\n"
            "Fylkeskommunen skal straks melde frå til IMDi om endringar i prosjektet som kan ha noko å seie for "
            "tilskotet."
        ),
    },
}

REJECTION = {
    "nb": {
        "rules": (
            f"Rundskrivet {AREA_CIRCULAR}, punktene «Vilkår for å motta tilskudd» og «Slik fordeler IMDi "
            "tilskuddet».\n"
            f"{MAIN_CIRCULAR[:1].upper()}{MAIN_CIRCULAR[1:]}.\n" + GUIDELINES["nb"]
        ),
        "facts": (
            "{county} søkte {received} om {requested} til prosjektet «{title}». IMDi har vurdert søknaden etter "
            "vilkårene og kriteriene i rundskrivet."
        ),
    },
    "nn": {
        "rules": (
            f"Rundskrivet {AREA_CIRCULAR}, punkta «Vilkår for å motta tilskudd» og «Slik fordeler IMDi "
            "tilskuddet».\n"
            f"{MAIN_CIRCULAR[:1].upper()}{MAIN_CIRCULAR[1:]}.\n" + GUIDELINES["nn"]
        ),
        "facts": (
            "{county} søkte {received} om {requested} til prosjektet «{title}». IMDi har vurdert søknaden etter "
            "vilkåra og kriteria i rundskrivet."
        ),
    },
}

DISMISSAL = {
    "nb": {
        "rules": (
            f"Rundskrivet {AREA_CIRCULAR}: søknadsfristen, og punktet «Hvem kan få tilskudd?» (bare de tre "
            "fylkeskommunene som allerede deltar i forsøket, kan søke).\n"
            "Forvaltningsloven § 2 første ledd bokstav b og tredje ledd: en avgjørelse om å avvise en søknad er et "
            "enkeltvedtak."
        ),
        "facts": (
            "{county} sendte søknaden om tilskudd til prosjektet «{title}» {received}. Søknadsfristen for {county} "
            "var {deadline}, og IMDi har ikke gitt utsatt frist."
        ),
        "considerations": (
            "Søknaden kom etter søknadsfristen, og det er ikke grunnlag for å gi utsatt frist. Av hensyn til "
            "likebehandling av søkerne vurderer IMDi ikke søknaden."
        ),
    },
    "nn": {
        "rules": (
            f"Rundskrivet {AREA_CIRCULAR}: søknadsfristen, og punktet «Hvem kan få tilskudd?» (berre dei tre "
            "fylkeskommunane som alt deltek i forsøket, kan søkje).\n"
            "Forvaltningsloven § 2 første ledd bokstav b og tredje ledd: ei avgjerd om å avvise ein søknad er eit "
            "enkeltvedtak."
        ),
        "facts": (
            "{county} sende søknaden om tilskot til prosjektet «{title}» {received}. Søknadsfristen for {county} "
            "var {deadline}, og IMDi har ikkje gitt utsett frist."
        ),
        "considerations": (
            "Søknaden kom etter søknadsfristen, og det er ikkje grunnlag for å gi utsett frist. Av omsyn til "
            "likehandsaming av søkjarane vurderer IMDi ikkje søknaden."
        ),
    },
}

# Decision.Kind value → the template's texts per written standard.
TEMPLATES = {"grant": GRANT, "rejection": REJECTION, "dismissal": DISMISSAL}


def template_fields(kind: str) -> dict[str, str]:
    """The ``LetterTemplate`` columns of ``kind`` (``rules_nb``, ``rules_nn``…), for ``load_calls``."""
    return {f"{field}_{language}": text for language, texts in TEMPLATES[kind].items() for field, text in texts.items()}
