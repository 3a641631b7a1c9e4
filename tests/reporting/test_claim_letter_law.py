"""The repayment claim's legal footing (R19, review C3): a claim under the grant's conditions, not an
enkeltvedtak (forvaltningsloven § 2), so it cannot be appealed under § 28; the prior notice is given
as good administrative practice, never "jf. forvaltningsloven § 16". The letter states interest on
late payment (forsinkelsesrenteloven) and set-off, in bokmål and nynorsk, under the letterhead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse

from grants.models import JournalEntry
from reporting.models import RepaymentClaim
from reporting.services import repayments
from tests import factories as f
from tests.conftest import login
from tests.reporting.helpers import send_claim
from tests.reporting.test_repayments import ACCOUNT, START, approved_with_unused, notice, pdf_text, view_url

pytestmark = pytest.mark.django_db

AFTER_THE_COMMENT_DEADLINE = "2027-03-16 09:00:00+01:00"
DUE = dt.date(2027, 4, 30)

SENTENCES = {
    "nb": [
        "Kravet er ikke et enkeltvedtak, jf. forvaltningsloven § 2, og kan derfor ikke påklages etter "
        "forvaltningsloven § 28.",
        "Mener dere at kravet bygger på feil, kan dere skrive til IMDi innen forfallsdatoen, så vurderer vi "
        "kravet på nytt.",
        "Som god forvaltningsskikk varslet IMDi dere om kravet på forhånd 01.03.2027 og ga dere frist til "
        "15.03.2027 til å komme med merknader.",
        "Betaler dere ikke innen forfallsdatoen 30.04.2027, skal dere betale forsinkelsesrente fra "
        "forfallsdatoen til beløpet er betalt, jf. forsinkelsesrenteloven §§ 2 og 3.",
        "IMDi kan motregne kravet, med renter, i senere utbetalinger av tilskudd til fylkeskommunen.",
        "Kravet bygger på vilkårene om tilbakebetaling i tilskuddsbrevet",
    ],
    "nn": [
        "Kravet er ikkje eit enkeltvedtak, jf. forvaltningsloven § 2, og kan difor ikkje påklagast etter "
        "forvaltningsloven § 28.",
        "Meiner de at kravet byggjer på feil, kan de skrive til IMDi innan forfallsdatoen, så vurderer vi "
        "kravet på nytt.",
        "Som god forvaltningsskikk varsla IMDi dykk om kravet på førehand 01.03.2027 og gav dykk frist til "
        "15.03.2027 til å kome med merknader.",
        "Betaler de ikkje innan forfallsdatoen 30.04.2027, skal de betale forseinkingsrente frå "
        "forfallsdatoen til beløpet er betalt, jf. forsinkelsesrenteloven §§ 2 og 3.",
        "IMDi kan motrekne kravet, med renter, i seinare utbetalingar av tilskot til fylkeskommunen.",
        "Kravet byggjer på vilkåra om tilbakebetaling i tilskotsbrevet",
    ],
}


def grant(cast, organisation):
    """The county's paid grant with 200 000 unused in its approved report, in a call of its own
    (one that still takes applications whatever today's date)."""
    call = f.make_call(cast.scheme, eligible=[cast.county_a, cast.county_b])
    return approved_with_unused(cast, organisation=organisation, call=call)


def county(cast, language):
    """County A writes nynorsk, county B bokmål."""
    return cast.county_a if language == "nn" else cast.county_b


def claimed(cast, time_machine, organisation, django_capture_on_commit_callbacks, decision=None) -> RepaymentClaim:
    """The county's paid grant with 200 000 unused: notice on 01.03.2027, no comments, the claim sent
    on 16.03.2027 by Carl Case (seniorrådgiver) with the due date 30.04.2027."""
    cast.caseworker.title, cast.caseworker.phone = "Seniorrådgiver", "+47 22 00 00 01"
    cast.caseworker.save(update_fields=["title", "phone"])
    decision = decision or grant(cast, organisation)
    application = decision.case.application
    type(application).objects.filter(pk=application.pk).update(their_reference="FK-2025/417")
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    time_machine.move_to(AFTER_THE_COMMENT_DEADLINE, tick=False)
    with django_capture_on_commit_callbacks(execute=True):
        send_claim(cast, claim_id=claim.pk, due_date=DUE, account_number=ACCOUNT)
    claim.refresh_from_db()
    return claim


def letter_text(claim) -> str:
    with claim.letter.open("rb") as stored:
        return pdf_text(stored.read())


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_claim_letter_states_its_legal_footing_interest_and_set_off(
    cast, time_machine, django_capture_on_commit_callbacks, language
):
    claim = claimed(cast, time_machine, county(cast, language), django_capture_on_commit_callbacks)
    assert claim.language == language
    text = letter_text(claim)
    for sentence in SENTENCES[language]:
        assert sentence in text, sentence
    assert "§ 16" not in text
    assert "forvaltningslova" not in text  # the law keeps its official name in nynorsk too
    title = {"nb": "Krav om tilbakebetaling av tilskudd", "nn": "Krav om tilbakebetaling av tilskot"}
    assert title[language] in text


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_claim_letter_has_the_letterhead_with_the_countys_reference_and_the_signer(
    cast, time_machine, django_capture_on_commit_callbacks, language
):
    """The letterhead's labels are the base letter's (their nynorsk is tested with it); here: what
    the claim puts in them."""
    claim = claimed(cast, time_machine, county(cast, language), django_capture_on_commit_callbacks)
    text = letter_text(claim)
    assert claim.reference in text
    assert "FK-2025/417" in text  # "Deres referanse": the county's own reference
    assert "16.03.2027" in text  # "Vår dato": the day the claim is made
    assert "Carl Case" in text and "+47 22 00 00 01" in text and cast.caseworker.email in text
    assert "Seniorrådgiver" in text  # the signer's title
    if language == "nb":
        assert "Deres referanse FK-2025/417" in text
        # "Vår referanse": the letter's document number in the case's journal (the claim's own reference
        # is what the county marks the payment with).
        entry = JournalEntry.objects.get(source=f"claim:{claim.pk}")
        assert f"Vår referanse {entry.document_number}" in text
        assert f"Merk betalingen med {claim.reference}" in text
        assert "Dokumentet er elektronisk godkjent og har derfor ingen håndskrevne signaturer." in text


def test_a_claim_answering_the_countys_comments_gives_their_date(
    client, cast, time_machine, django_capture_on_commit_callbacks
):
    decision = grant(cast, cast.county_b)
    time_machine.move_to(START, tick=False)
    claim = notice(cast, decision)
    time_machine.move_to("2027-03-10 10:00:00+01:00", tick=False)
    repayments.repayment_comment(actor=f.actor_for(cast.staff_b), claim_id=claim.pk, comment="Midlene er bundet.")
    time_machine.move_to(AFTER_THE_COMMENT_DEADLINE, tick=False)
    send_claim(cast, claim_id=claim.pk, due_date=DUE, account_number=ACCOUNT)
    claim.refresh_from_db()
    assert "Deres dato 10.03.2027" in letter_text(claim)


@pytest.mark.parametrize("language", ["nb", "nn"])
def test_the_notice_email_cites_no_section_16_and_states_the_footing(
    cast, django_capture_on_commit_callbacks, language
):
    decision = grant(cast, county(cast, language))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        notice(cast, decision)
    assert len(mail.outbox) == 1
    body = " ".join(mail.outbox[0].body.split())
    assert "§ 16" not in body
    expected = {
        "nb": "Et krav om tilbakebetaling bygger på vilkårene i tilskuddsbrevet og er ikke et enkeltvedtak, "
        "jf. forvaltningsloven § 2. IMDi varsler likevel på forhånd og gir dere frist til å uttale dere, "
        "som god forvaltningsskikk.",
        "nn": "Eit krav om tilbakebetaling byggjer på vilkåra i tilskotsbrevet og er ikkje eit enkeltvedtak, "
        "jf. forvaltningsloven § 2. IMDi varslar likevel på førehand og gir dykk frist til å uttale dykk, "
        "som god forvaltningsskikk.",
    }
    assert expected[language] in body


def test_the_claim_email_points_to_interest_and_reconsideration_without_section_16(
    cast, time_machine, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    claimed(cast, time_machine, cast.county_b, django_capture_on_commit_callbacks)
    body = " ".join(mail.outbox[-1].body.split())
    assert "§ 16" not in body
    assert "forsinkelsesrente og motregning" in body
    assert "hvordan dere kan be IMDi vurdere kravet på nytt" in body


def test_the_pages_cite_no_section_16_and_the_county_is_told_it_cannot_appeal(
    client, cast, time_machine, django_capture_on_commit_callbacks
):
    decision = grant(cast, cast.county_b)
    login(client, cast.caseworker)
    create = client.get(reverse("repayment_create", args=[decision.pk])).content.decode()
    assert "§ 16" not in create
    assert "god forvaltningsskikk" in create and "ikke et enkeltvedtak" in create

    claim = claimed(cast, time_machine, cast.county_b, django_capture_on_commit_callbacks, decision=decision)
    login(client, cast.staff_b)
    html = client.get(view_url(claim)).content.decode()
    assert "§ 16" not in html
    assert "kan derfor ikke påklages etter forvaltningsloven § 28" in html
