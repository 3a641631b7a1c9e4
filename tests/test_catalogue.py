"""The catalogues are complete and consistent, the texts use the circular's terms, e-mails are signed
as IMDi signs, and the interface speaks the user's language: the one they chose, and before any
choice the written standard of their organisation (språklova)."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from grants.sections import field_label
from portal.mail import compose
from tests.conftest import login
from tests.written_standards import BOKMAL_ONLY, NYNORSK_ONLY, found

ROOT = Path(settings.BASE_DIR)
LOCALE = ROOT / "locale"
EMAIL_TEMPLATES = sorted(p for p in (ROOT / "templates").glob("**/email/*.txt") if not p.stem.endswith("_subject"))

# Spellings that have no place in the nynorsk catalogue: the bokmål definite "filen" (nynorsk: fila),
# the law under another name than its official one, and the variant spellings the catalogue does not
# use (it writes formål, grunngiving, gir, lenkje, budsjettline and IMDi's name with "mangfald").
BANNED_IN_NYNORSK = {
    "filen": r"\b[Ff]ilen\b",
    "forvaltningslova": r"forvaltningslova",
    "føremål": r"[Ff]øremål",
    "grunngjeving": r"[Gg]runngjeving",
    "gjev": r"\bgjev\b",
    "lenke": r"\b[Ll]enke(r|ne|a)?\b",
    "budsjettlinje": r"[Bb]udsjettlinj",
    "mangfold": r"[Mm]angfold",
    "prosjekteigar": r"[Pp]rosjekteigar",
    "ut over": r"\b[Uu]t over\b",
}
# In the bokmål source strings: the circular says "prosjektansvarlig (i fylkeskommunen)", and "utover".
BANNED_IN_BOKMAL = {"prosjekteier": r"[Pp]rosjekteier", "ut over": r"\b[Uu]t over\b"}


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def texts(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [value for _, value in sorted(entry.msgstr_plural.items())]
    return [entry.msgstr]


@pytest.mark.parametrize("language", ["nn", "en"])
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)
    untranslated = [e.msgid for e in po if not e.obsolete and not all(texts(e))]
    fuzzy = [e.msgid for e in po if not e.obsolete and "fuzzy" in e.flags]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


def test_the_nynorsk_catalogue_uses_one_spelling_for_each_word():
    found = {
        word: [text for e in catalogue("nn") for text in texts(e) if re.search(pattern, text)]
        for word, pattern in BANNED_IN_NYNORSK.items()
    }
    assert not {word: hits for word, hits in found.items() if hits}


def test_the_bokmal_source_uses_the_circulars_terms():
    found = {
        word: [e.msgid for e in catalogue("nb") if re.search(pattern, e.msgid + (e.msgid_plural or ""))]
        for word, pattern in BANNED_IN_BOKMAL.items()
    }
    assert not {word: hits for word, hits in found.items() if hits}
    english = [text for e in catalogue("en") for text in texts(e) if re.search(r"\b[Uu]t over\b", text)]
    assert not english


def test_imdis_name_is_spelled_officially_in_both_written_standards():
    nynorsk = {e.msgid: e.msgstr for e in catalogue("nn")}
    assert nynorsk["Integrerings- og mangfoldsdirektoratet"] == "Integrerings- og mangfaldsdirektoratet"
    assert nynorsk["Integrerings- og mangfoldsdirektoratet (IMDi)"] == "Integrerings- og mangfaldsdirektoratet (IMDi)"
    assert nynorsk["Med vennlig hilsen"] == "Med vennleg helsing"


def test_no_email_is_signed_by_a_system_or_opens_with_the_organisation():
    assert EMAIL_TEMPLATES
    for path in EMAIL_TEMPLATES:
        text = path.read_text()
        assert "Hilsen IMDi tilskuddsportal" not in text, path
        assert not re.search(r"Hei,? \{\{ ?(org|organisation)", text), path
        if "hilsen" in text.lower():  # every sign-off is IMDi's, in full
            assert '{% translate "Med vennlig hilsen" %}\n{% translate "Integrerings- og mangfoldsdirektoratet" %}' in (
                text
            ), path


def test_the_500_page_has_its_comma():
    assert "Det du gjorde, ble ikke fullført." in (ROOT / "templates" / "500.html").read_text()


@pytest.mark.parametrize(
    ("language", "prefix", "signature"),
    [
        ("nb", "[IMDi tilskudd] ", "Med vennlig hilsen\nIntegrerings- og mangfoldsdirektoratet"),
        ("nn", "[IMDi tilskot] ", "Med vennleg helsing\nIntegrerings- og mangfaldsdirektoratet"),
    ],
)
def test_an_email_has_its_prefix_and_signature_in_the_recipients_language(language, prefix, signature):
    context = {"user": None, "done": False, "title": "Søknader", "job": None, "url": "https://example.org/"}
    with translation.override("en"):  # whatever language the sender's request is in
        message = compose("reporting/email/export_ready", to=["a@example.org"], context=context, language=language)
    assert message.subject.startswith(prefix)
    assert message.body.rstrip().endswith(signature)


def test_the_declaration_is_the_circulars():
    with translation.override("nb"):
        assert field_label("declares_no_running_costs") == (
            "Budsjettet dekker ikke ordinær drift eller investeringer og anskaffelser som inngår i ordinær drift"
        )
    with translation.override("nn"):
        assert field_label("declares_no_running_costs") == (
            "Budsjettet dekkjer ikkje ordinær drift eller investeringar og innkjøp som inngår i ordinær drift"
        )


# --- The interface language ----------------------------------------------------------------------


@pytest.fixture
def by_organisation(settings):
    settings.LANGUAGE_FROM_ORGANISATION = True


def page_language(response) -> str:
    match = re.search(r'<html lang="([a-z]+)"', response.content.decode())
    assert match, response.content[:200]
    return match.group(1)


def test_a_nynorsk_countys_user_who_never_chose_gets_nynorsk(client, cast, by_organisation):
    assert cast.county_a.written_standard == "nn"
    login(client, cast.staff_a)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert page_language(response) == "nn"
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies


def test_imdis_and_a_bokmal_countys_users_start_in_bokmal(client, cast, by_organisation):
    for user in (cast.caseworker, cast.staff_b):
        login(client, user)
        assert page_language(client.get(reverse("dashboard"))) == "nb", user


def test_choosing_bokmal_wins_over_the_organisation_and_is_remembered(client, cast, by_organisation):
    login(client, cast.staff_a)
    response = client.post(reverse("set_language"), {"language": "nb", "next": reverse("dashboard")})
    assert response.status_code == 302
    cookie = client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "nb"
    assert int(cookie["max-age"]) >= 300 * 24 * 60 * 60  # kept across browser sessions
    assert page_language(client.get(reverse("dashboard"))) == "nb"
    assert client.post(reverse("account_logout")).status_code == 302  # and after logging out and in again
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "nb"
    login(client, cast.staff_a)
    assert page_language(client.get(reverse("dashboard"))) == "nb"


def test_a_bokmal_user_may_choose_nynorsk(client, cast, by_organisation):
    login(client, cast.caseworker)
    client.post(reverse("set_language"), {"language": "nn", "next": "/"})
    assert page_language(client.get(reverse("dashboard"))) == "nn"


def test_an_anonymous_visitor_gets_bokmal(client, by_organisation):
    assert page_language(client.get(reverse("account_login"))) == "nb"


# --- Each written standard's own words (tests/written_standards.py) ---------------------------------

PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}")


def sentences(entry, *, translated: bool) -> list[str]:
    """The entry's bokmål source or its translation (both plural forms), placeholders left out."""
    if translated:
        texts = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    else:
        texts = [entry.msgid, entry.msgid_plural]
    return [PLACEHOLDER.sub(" ", text) for text in texts if text]


def test_no_nynorsk_sentence_in_the_catalogue_has_bokmal_only_words():
    """What tests/test_nynorsk_county.py's year does not reach (a late receipt, a full grant, a claim for less than the
    notice, every page) is in the catalogue: each nynorsk translation is free of bokmål-only words."""
    hits = [
        (entry.msgid[:60], word, snippet)
        for entry in catalogue("nn")
        if not entry.obsolete
        for text in sentences(entry, translated=True)
        for word, snippet in found(text, BOKMAL_ONLY)
    ]
    assert not hits, "\n".join(f"{msgid!r}: «{word}» in {snippet}" for msgid, word, snippet in hits)


def test_no_bokmal_source_sentence_has_nynorsk_only_words():
    hits = [
        (entry.msgid[:60], word)
        for entry in catalogue("nn")
        if not entry.obsolete
        for text in sentences(entry, translated=False)
        for word, _snippet in found(text, NYNORSK_ONLY)
    ]
    assert not hits, hits
