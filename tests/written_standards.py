"""The two written standards in the tests (språklova: IMDi writes to a county in the standard it has
chosen): the words only one of them has, and a county, a call and an application with their texts in
both, as an admin and a county would write them. Used by tests/test_nynorsk_county.py and the browser
journey tests/e2e/test_nynorsk_journey.py."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

from django.utils import timezone

from grants import letters, seed_letters, services
from grants.models import BudgetAuthority, Call, CostCategory, Criterion, Decision, LetterTemplate, PartnerKind, Scheme
from portal.models import Organisation, Role
from tests import factories as f
from tests.grants import helpers_cases as h

# --- The words --------------------------------------------------------------------------------------
#
# Only forms that the other standard does not have (Språkrådet's norms; the nynorsk catalogue's own
# spellings). Left out, because nynorsk writes them the same: "søknaden" and "vedtaket" (søknad m.,
# vedtak n. in nynorsk too), "fylkeskommunen har", "blir" (bli – blir – blei/vart), "eller", "av".
# The names of laws stay as the law is named ("forvaltningsloven" in nynorsk too).

BOKMAL_ONLY = {
    r"ikke": "ikkje",
    r"tilskudd\w*": "tilskot",
    r"filen": "fila",
    r"midler(ne)?": "midlar",
    r"hilsen": "helsing",
    r"vennlig": "vennleg",
    r"\w*mangfoldsdirektorat\w*": "mangfaldsdirektorat",
    r"hvis": "viss, dersom",
    r"hva|hvem|hvordan|hvorfor": "kva, kven, korleis, kvifor",
    r"ble": "vart, blei",
    r"dere": "de, dykk",
    r"deres": "dykkar, deira",
    r"fra": "frå",
    r"innen": "innan",
    r"uten": "utan",
    r"noen": "nokon",
    r"bare": "berre",
    r"regnskap\w*": "rekneskap",
}
NYNORSK_ONLY = {
    r"ikkje": "ikke",
    r"tilskot\w*": "tilskudd",
    r"midlar(ne)?": "midler",
    r"helsing": "hilsen",
    r"vennleg": "vennlig",
    r"\w*mangfaldsdirektorat\w*": "mangfoldsdirektorat",
    r"kva|kven|korleis|kvifor": "hva, hvem, hvordan, hvorfor",
    r"dykk|dykkar": "dere, deres",
    r"frå": "fra",
    r"innan": "innen",
    r"berre": "bare",
    r"eit|ein": "et, en",
    r"rekneskap\w*": "regnskap",
}
NOT_PROSE = re.compile(r"https?://\S+|[\w.+-]+@[\w.-]+")  # links and addresses are not read as words


# Names stay as they are named, in nynorsk too: the circular's title and the headings a letter cites it
# by (grants.seed_letters), as the laws' names do.
NAMES = (
    "Tilskudd til utvikling av kommunale kvalifiserings- og integreringstiltak",
    "Hvem kan få tilskudd?",
    "Vilkår for å motta tilskudd",
    "Slik fordeler IMDi tilskuddet",
    "Utgifter tilskuddet kan dekke",
)


def prose(text: str) -> str:
    """What is read as words: the text without links, addresses and names (``NAMES``), on one line."""
    text = NOT_PROSE.sub(" ", " ".join(text.split()))
    for name in NAMES:
        text = text.replace(name, " ")
    return text


def found(text: str, words: dict[str, str]) -> list[tuple[str, str]]:
    """Each word of ``words`` in ``text`` (whole words, any case), with the text around it."""
    read = prose(text)
    hits = []
    for pattern in words:
        for match in re.finditer(rf"\b(?:{pattern})\b", read, re.IGNORECASE):
            start, end = max(match.start() - 60, 0), min(match.end() + 60, len(read))
            hits.append((match.group(0), f"…{read[start:end]}…"))
    return hits


def assert_none_of(words: dict[str, str], text: str, document: str, standard: str) -> None:
    assert text.strip(), f"{document}: nothing was sent or made"
    hits = found(text, words)
    report = "\n".join(f"  «{word}» (write: {words_for(words, word)}) in: {snippet}" for word, snippet in hits)
    assert not hits, f"{document} is not in {standard}; it has:\n{report}"


def words_for(words: dict[str, str], word: str) -> str:
    return next(instead for pattern, instead in words.items() if re.fullmatch(pattern, word, re.IGNORECASE))


# --- Content in both standards ------------------------------------------------------------------------


def in_both(model, **texts: tuple[str, str]) -> dict:
    """``name=("bokmål", "nynorsk")`` as ``name_nb``/``name_nn``, the columns django-modeltranslation
    adds (grants/translation.py, portal/translation.py); a field without them gets the bokmål alone,
    and a nynorsk county's document that shows it fails the tests."""
    columns = {field.name for field in model._meta.get_fields()}
    values = {}
    for name, (nb, nn) in texts.items():
        if f"{name}_nn" in columns:
            values.update({f"{name}_nb": nb, f"{name}_nn": nn})
        else:
            values[name] = nb
    return values


CALL_TEXTS = {
    "purpose": (
        "Tilskuddet skal bidra til at flere voksne innvandrere fullfører videregående opplæring.",
        "Tilskotet skal bidra til at fleire vaksne innvandrarar fullfører vidaregåande opplæring.",
    ),
    "target_group": ("Voksne innvandrere uten fagbrev.", "Vaksne innvandrarar utan fagbrev."),
    "who_may_apply": ("Fylkeskommunene i forsøket.", "Fylkeskommunane i forsøket."),
    "conditions": (
        "Midlene kan ikke brukes til ordinær drift.",
        "Midlane kan ikkje brukast til ordinær drift.",
    ),
    "ineligible_costs": ("Ordinær drift og investeringer.", "Ordinær drift og investeringar."),
}
CATEGORIES = [
    ("Prosjektledelse hvis den ikke er ordinær drift", "Prosjektleiing viss ho ikkje er ordinær drift"),
    ("Midler til lærere", "Midlar til lærarar"),
]
HELP_TEXT = ("Hvis dere er i tvil, spør IMDi.", "Viss de er i tvil, spør IMDi.")
CRITERION = ("Hvor godt modellen kan brukes i andre fylker", "Kor godt modellen kan brukast i andre fylke")

# The county's own answers, in its own standard.
ANSWERS = {
    "nn": {
        "summary": "Klasse for vaksne innvandrarar som tek fagbrev.",
        "cooperation_model": "Fylket, NAV, kommunane og opplæringskontora møtest kvar månad.",
        "recruitment": "NAV og kommunane føreslår deltakarar.",
        "follow_up": "Kvar deltakar har ein kontaktlærar og ein rettleiar i bedrifta.",
        "experience_sharing": "Vi deltek på samlingane til IMDi.",
        "transfer_value": "Modellen kan brukast i andre fylke.",
        "lines": ("Prosjektleiar", "Lærarar"),
        "partners": ("Byggmeister Berg AS", "Opplæringskontoret for bygg", "NAV Vestland", "Bergen kommune"),
    },
    "nb": {
        "summary": "Klasse for voksne innvandrere som tar fagbrev.",
        "cooperation_model": "Fylket, NAV, kommunene og opplæringskontorene møtes hver måned.",
        "recruitment": "NAV og kommunene foreslår deltakere.",
        "follow_up": "Hver deltaker har en kontaktlærer og en veileder i bedriften.",
        "experience_sharing": "Vi deltar på IMDis samlinger.",
        "transfer_value": "Modellen kan brukes i andre fylker.",
        "lines": ("Prosjektleder", "Lærere"),
        "partners": ("Byggmester Berg AS", "Opplæringskontoret for bygg", "NAV Agder", "Kristiansand kommune"),
    },
}
IMDI_NAME = ("Integrerings- og mangfoldsdirektoratet", "Integrerings- og mangfaldsdirektoratet")
SCHEME_NAME = ("Tilskudd til nasjonal samarbeidsmodell", "Tilskot til nasjonal samarbeidsmodell")
# What a caseworker writes where the call's letter template has no text, in the county's standard.
REASONS = {
    "nn": "Tilskotet er tildelt etter punkt 5 i rundskrivet.",
    "nb": "Tilskuddet er tildelt etter punkt 5 i rundskrivet.",
}


def make_org(name: tuple[str, str], *, kind, domain: str, standard: str = "nb") -> Organisation:
    """An organisation named in both standards, writing ``standard``, its mailbox ``post@<domain>``."""
    return Organisation.objects.create(
        **in_both(Organisation, name=name),
        kind=kind,
        orgnr=f.next_orgnr(),
        written_standard=standard,
        postal_address="Postboks 1\n0001 Oslo",
        letter_email=f"post@{domain}",
    )


def make_call(scheme, *, year, deadline, counties) -> Call:
    """A published call of ``year`` open to ``counties`` until ``deadline``, every text an admin writes in
    both standards, with the seeded letter templates (grants.seed_letters)."""
    now = timezone.now()
    call = Call.objects.create(
        scheme=scheme,
        year=year,
        is_published=True,
        opens_at=now - dt.timedelta(days=10),
        application_deadline=deadline,
        report_deadline=deadline + dt.timedelta(days=365),
        pot=Decimal("5000000.00"),
        contact_email="tilskot@imdi.example",
        **in_both(
            Call,
            title=(f"Tilskudd til samarbeidsmodell {year}", f"Tilskot til samarbeidsmodell {year}"),
            **CALL_TEXTS,
        ),
    )
    call.eligible_organisations.add(*counties)
    for order, name in enumerate(CATEGORIES, start=1):
        CostCategory.objects.create(call=call, order=order, **in_both(CostCategory, name=name, help_text=HELP_TEXT))
    Criterion.objects.create(call=call, order=1, **in_both(Criterion, name=CRITERION))
    for kind in seed_letters.TEMPLATES:
        LetterTemplate.objects.create(call=call, kind=kind, **seed_letters.template_fields(kind))
    return call


def make_county(code: str, name: str, domain: str) -> SimpleNamespace:
    """A county writing ``code`` ("nn" or "nb") with a staff member and a director, at ``domain``."""
    org = make_org((name, name), kind=Organisation.Kind.COUNTY, standard=code, domain=domain)
    c = SimpleNamespace(code=code, org=org, domain=domain)
    c.staff = f.make_user(f"stab@{domain}", name=f"Stab {name}", roles=[(org, Role.COUNTY_STAFF)])
    c.director = f.make_user(f"direktor@{domain}", name=f"Direktør {name}", roles=[(org, Role.COUNTY_DIRECTOR)])
    return c


def make_application(call, c) -> object:
    """The county's complete application to ``call``, in its own words, as its staff filled it in."""
    actor = f.actor_for(c.staff)
    application = services.application_start(actor=actor, call=call)
    answers = ANSWERS[c.code]
    for section, data in f.COMPLETE_ANSWERS.items():
        data = {key: answers.get(key, value) for key, value in data.items()}
        if section == "kontakt":
            data["contact_email"] = f"kontakt@{c.domain}"
        services.application_section_save(
            actor=actor, application_id=application.pk, section=section, data=data, version=0
        )
    first, last = call.cost_categories.order_by("order")
    services.application_section_save(
        actor=actor,
        application_id=application.pk,
        section="budsjett",
        data={"declares_no_running_costs": True},
        version=0,
        lines=[
            {"category": first, "amount": Decimal("250000"), "description": answers["lines"][0]},
            {"category": last, "amount": Decimal("1000000"), "description": answers["lines"][1]},
        ],
    )
    for kind, partner in zip(PartnerKind, answers["partners"], strict=True):
        f.add_agreement(application, c.staff, kind, name=partner)
    return application


def make_scheme(owner: Organisation) -> Scheme:
    return Scheme.objects.create(code=f"samarbeid-{f.next_orgnr()}", owner=owner, **in_both(Scheme, name=SCHEME_NAME))


def decide(imdi, case, kind: str, *, amount: str = "1000000") -> Decision:
    """Assessed (and allocated, for a grant), proposed from the call's letter template in the county's
    standard, and approved; the letter is made and the county told (the tasks run after the commit)."""
    h.assessed(imdi, case)
    texts = letters.proposal_texts(case, kind)
    granted = None
    if kind == Decision.Kind.GRANT:
        h.allocated(imdi, case, amount)
        first, last = case.call.cost_categories.order_by("order")
        granted = {first.pk: Decimal("0"), last.pk: Decimal(amount)}
    reasons = REASONS[case.application.organisation.written_standard]
    # The second caseworker holds budget authority for the scheme: a grant commits money (issue 14).
    BudgetAuthority.objects.get_or_create(
        user=imdi.caseworker2, scheme_id=case.call.scheme_id, defaults={"limit": Decimal("5000000")}
    )
    decision = services.decision_propose(
        actor=f.actor_for(imdi.caseworker),
        case_id=case.pk,
        kind=kind,
        rules=texts.get("rules") or reasons,
        facts=texts.get("facts") or reasons,
        considerations=texts.get("considerations") or reasons,
        conditions=texts.get("conditions", ""),
        purpose=texts.get("purpose", ""),
        granted=granted,
    )
    return h.approved(imdi, decision)
