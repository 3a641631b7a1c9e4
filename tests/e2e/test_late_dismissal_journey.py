"""A late application, dismissed by an enkeltvedtak the county appeals, walked in the browser (R3, R4, R15).

Innlandet's staff sends its application after the deadline and the director confirms it: the portal
receives it, says that it came late, and IMDi's inbox and case page flag it with the exact time.
Carl Case proposes to dismiss it; Cora Case approves. The dismissal letter (PDF) gives the reason,
says it is an enkeltvedtak, gives the three-week deadline as a date that is neither a weekend nor a
Norwegian public holiday, names the ministry as appeal body and the right to see the documents
(forvaltningsloven § 18). Innlandet appeals; Carl forwards the appeal to the ministry; Innlandet sees
the copy of the forwarding letter, and then the ministry's outcome.

Every page goes through ``ui.visit`` / ``ui.submit`` (axe, console and CSP checks). The draft itself
is made with the factories, as writing an application is tested in the application journey.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import dateformat, timezone, translation

from grants.models import Appeal, AppealLetter, Case, Decision, Letter
from portal.calendar import is_working_day
from portal.models import Role
from tests import factories as f
from tests.e2e.helpers import (
    fact,
    fetch_pdf,
    in_section,
    log_out,
    messages_text,
    normal,
    pdf_text,
    wait_for_letter_link,
)
from tests.e2e.test_decision_journey import (
    approve_from_dashboard,
    assign_to_me_and_declare,
    log_in_imdi,
    open_case_from_inbox,
)

pytestmark = pytest.mark.e2e

REASON = "Søknaden kom inn etter søknadsfristen, og IMDi har ikke gitt Innlandet utsatt frist."


@pytest.fixture
def innlandet(e2e_cast):
    """Innlandet, in the trial, with a call of this year whose deadline passed yesterday."""
    cast = e2e_cast
    county = f.make_org("Innlandet fylkeskommune")
    cast.staff_i = f.make_user("per.hamar@example.org", name="Per Hamar", roles=[(county, Role.COUNTY_STAFF)])
    cast.director_i = f.make_user(
        "anne.lillehammer@example.org", name="Anne Lillehammer", roles=[(county, Role.COUNTY_DIRECTOR)]
    )
    year = timezone.localdate().year
    cast.late_call = f.make_call(cast.scheme, year=year, eligible=[county], open_now=False)
    cast.innlandet = county
    for user, title in ((cast.caseworker, "seniorrådgiver"), (cast.caseworker2, "seksjonssjef")):
        user.title, user.phone = title, "22 00 00 00"
        user.save(update_fields=["title", "phone"])
    application = f.make_application(cast.late_call, cast.staff_i)
    application.their_reference = "INN 26/123"
    application.save(update_fields=["their_reference"])
    cast.late_application = application
    return cast


def send_and_confirm_late(ui, cast) -> Case:
    """Per sends the complete draft after the deadline; Anne confirms it; it is received, marked late."""
    page, pk = ui.page, cast.late_application.pk
    ui.log_in(cast.staff_i.email)
    ui.visit(f"/soknader/{pk}/kontroller/")
    assert "Søknadsfristen" in ui.text() and "etter fristen" in ui.text(), ui.text()
    ui.submit(page.get_by_role("button", name="Send til bekreftelse"))
    assert ui.path == f"/soknader/{pk}/", ui.page.url
    log_out(ui)

    ui.log_in(cast.director_i.email)
    ui.visit(f"/soknader/{pk}/bekreft/")
    page.get_by_label("Jeg har lest søknaden og bekrefter at opplysningene er riktige").check()
    ui.submit(page.get_by_role("button", name="Bekreft og send inn til IMDi"))
    assert ui.path == f"/soknader/{pk}/innsendinger/1/", ui.page.url
    assert "Mottatt etter søknadsfristen" in normal(ui.text()), ui.text()
    submission = cast.late_application.submissions.get()
    assert submission.late and submission.confirmed_at >= submission.deadline
    log_out(ui)
    return Case.objects.select_related("application").get(application=cast.late_application)


def propose_dismissal(ui, cast, case: Case) -> Decision:
    """Carl sees the flag in the inbox and on the case, takes the case and proposes to dismiss it."""
    page = ui.page
    log_in_imdi(ui, cast.caseworker, "caseworker")
    ui.visit(f"/imdi/saker/?call={cast.late_call.pk}")
    row = page.locator("main table tbody tr").filter(has_text="Innlandet fylkeskommune")
    assert "Kom etter fristen" in normal(row.inner_text()), row.inner_text()
    open_case_from_inbox(ui, case, "Innlandet fylkeskommune")
    received = timezone.localtime(case.application.submissions.get().confirmed_at)
    late_box = in_section(page, "Søknaden kom etter fristen")
    assert f"{received:%d.%m.%Y %H:%M}" in normal(late_box.inner_text()), late_box.inner_text()
    assign_to_me_and_declare(ui, case, "Carl Case")
    ui.visit(f"/imdi/saker/{case.pk}/vedtak/")
    page.get_by_label("Avvisning", exact=True).check()
    page.get_by_label("Faktiske forhold").fill(REASON)
    page.get_by_label("Hovedhensyn").fill(
        "En søknad som kommer for sent, kan ikke vurderes når fristen ikke er utsatt."
    )
    page.get_by_label("Regler avgjørelsen bygger på").fill("Søknadsfristen i utlysningen, jf. rundskrivet.")
    ui.submit(page.get_by_role("button", name="Foreslå vedtaket"))
    decision = Decision.objects.get(case=case)
    assert ui.path == f"/imdi/vedtak/{decision.pk}/", ui.text()
    log_out(ui)
    return decision


def check_dismissal_letter(ui, decision: Decision) -> Letter:
    page = ui.page
    decision_path = f"/imdi/vedtak/{decision.pk}/"
    link = wait_for_letter_link(ui, decision_path, re.compile(r"^Last ned brevet .* \(PDF\)$"))
    letter = Letter.objects.get(decision=decision)
    text = pdf_text(fetch_pdf(ui, link))
    deadline = letter.appeal_deadline
    assert is_working_day(deadline), deadline
    assert timezone.localdate(letter.issued_at) + dt.timedelta(weeks=3) <= deadline
    for expected in [
        "Vedtak om avvisning",
        REASON,
        "enkeltvedtak",
        "Arbeids- og inkluderingsdepartementet",
        "§ 18",
        "§§ 28 og 29",
        "INN 26/123",
    ]:
        assert expected in text, f"the dismissal letter should say {expected!r}:\n{text}"
    assert deadline.strftime("%d.%m.%Y") in text or _long(deadline) in text, f"no deadline {deadline}:\n{text}"
    assert page.get_by_role("button", name="Godkjenn vedtaket").count() == 0
    log_out(ui)
    return letter


def _long(day: dt.date) -> str:
    """A date as the bokmål letter may write it: "29. desember 2026"."""
    with translation.override("nb"):
        return dateformat.format(day, "j. F Y")


def appeal_in_the_portal(ui, cast, case: Case, decision: Decision) -> str:
    page = ui.page
    ui.log_in(cast.staff_i.email)
    county_path = f"/soknader/{case.application_id}/vedtak/{decision.pk}/"
    ui.visit(county_path)
    assert ui.heading() == "Vedtak om avvisning"
    ui.submit(in_section(page, "Klage").get_by_role("link", name="Klag på vedtaket"))
    page.get_by_label("Hvorfor klager dere?").fill("Søknaden ble sendt 15 minutter etter fristen på grunn av en feil.")
    ui.submit(page.get_by_role("button", name="Send klagen"))
    assert ui.path == county_path, ui.text()
    assert "Klagen er mottatt" in messages_text(ui)
    log_out(ui)
    return county_path


def forward_to_the_ministry(ui, cast, case: Case) -> Appeal:
    page = ui.page
    log_in_imdi(ui, cast.caseworker, "caseworker")
    appeal = Appeal.objects.get(case=case)
    ui.visit(f"/imdi/klager/{appeal.pk}/")
    forward = in_section(page, "Send til departementet")
    forward.get_by_label("Oversendelsesbrev til departementet").fill(
        "IMDi står ved avvisningen: søknaden kom etter fristen, og fristen ble ikke utsatt."
    )
    ui.submit(forward.get_by_role("button", name="Send til departementet"))
    assert "Klagen er sendt til departementet." in messages_text(ui)
    assert fact(page, "Status") == "Sendt departementet"
    return appeal


def record_the_outcome(ui, appeal: Appeal) -> None:
    page = ui.page
    ui.visit(f"/imdi/klager/{appeal.pk}/")
    outcome = in_section(page, "Registrer departementets avgjørelse")
    outcome.get_by_label("Departementet opprettholdt avvisningen. Saken avsluttes.").check()
    outcome.get_by_label("Departementets avgjørelse").fill("AID 26/4321: avvisningen står.")
    outcome.get_by_label("Dato for avgjørelsen").fill(timezone.localdate().isoformat())
    ui.submit(outcome.get_by_role("button", name="Registrer avgjørelsen"))
    assert fact(page, "Status") == "Departementet opprettholdt vedtaket"
    log_out(ui)


def test_late_application_dismissed_appealed_and_forwarded(ui, innlandet):
    cast = innlandet
    page = ui.page
    case = send_and_confirm_late(ui, cast)
    decision = propose_dismissal(ui, cast, case)
    approve_from_dashboard(ui, cast, f"/imdi/vedtak/{decision.pk}/", "Avvisning – Innlandet fylkeskommune")
    check_dismissal_letter(ui, decision)
    county_path = appeal_in_the_portal(ui, cast, case, decision)
    appeal = forward_to_the_ministry(ui, cast, case)
    log_out(ui)

    # Innlandet reads its copy of the forwarding letter.
    ui.log_in(cast.staff_i.email)
    ui.visit(county_path)
    forwarding = AppealLetter.objects.get(appeal=appeal, kind=AppealLetter.Kind.FORWARDING)
    # A substring match: a regular expression would reach Playwright's selector with the number's slash.
    link = in_section(page, "Klage").get_by_role("link", name=f"Oversendelse av klage ({forwarding.reference})")
    text = pdf_text(fetch_pdf(ui, link))
    for expected in ["Oversendelse av klage", "Kopi til", "Innlandet fylkeskommune", "søknaden kom etter fristen"]:
        assert expected in text, f"the forwarding letter should say {expected!r}:\n{text}"
    assert "Departementet avgjør klagen" in normal(in_section(page, "Klage").inner_text())
    log_out(ui)

    log_in_imdi(ui, cast.caseworker, "caseworker")
    record_the_outcome(ui, appeal)

    # Innlandet sees the outcome.
    ui.log_in(cast.staff_i.email)
    ui.visit(county_path)
    assert "Departementet opprettholdt avvisningen" in normal(in_section(page, "Klage").inner_text())
