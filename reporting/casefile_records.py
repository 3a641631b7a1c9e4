"""The records of a case file (reporting.casefile) as plain data: the case, each decision, appeal,
annual report and repayment claim as JSON, the accounts and the history as CSV. Times are ISO 8601
with their offset in Norwegian time; people are "Name <e-mail>"; amounts are exact decimals."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from grants.models import Appeal, Case, Decision, Submission
from portal import history
from portal.audit import action_label
from portal.formats import OSLO, ZERO
from portal.models import Role, User
from reporting.export_files import FORMULA_STARTS
from reporting.models import AnnualReport, CarryOver, RepaymentClaim

HISTORY_COLUMNS = [
    _("Tidspunkt"),
    _("Utført av"),
    _("Rolle"),
    _("Organisasjon"),
    _("Handling"),
    _("Handling (tekst)"),
    _("Hendelse"),
    _("Fra status"),
    _("Til status"),
    _("Endringer"),
    _("IP-adresse"),
    _("Gjelder"),
]


def when(value: datetime | date | None) -> str:
    """ISO 8601; a time with its offset in Norwegian time."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value, OSLO).isoformat()
    return value.isoformat()


def person(user: User | None) -> str:
    return f"{user.full_name} <{user.email}>" if user is not None else ""


def role_name(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def to_json(data) -> bytes:
    return (json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2) + "\n").encode()


def _cell(value):
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe (as in exports)."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_STARTS) else value


def to_csv(header: list, rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(h) for h in header])
    writer.writerows([_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def _declarations(case: Case) -> list[dict]:
    return [
        {
            "saksbehandler": person(d.user),
            "inhabil": d.disqualified,
            "begrunnelse": d.reason,
            "erklært": when(d.declared_at),
        }
        for d in case.declarations.all()
    ]


def case_data(case: Case, submissions: list[Submission]) -> dict:
    application = case.application
    return {
        "sak": case.pk,
        "referanse": application.reference,
        "fylkeskommune": application.organisation.name,
        "organisasjonsnummer": application.organisation.orgnr,
        "utlysning": {"id": case.call_id, "tittel": case.call.title, "år": case.call.year},
        "søknad": {"id": application.pk, "status": application.state, "sendt_inn": when(application.submitted_at)},
        "saksstatus": case.state,
        "saksbehandler": person(case.assigned_to),
        "tildelt": when(case.assigned_at),
        "vilkår": {
            "avtaler_ok": case.agreements_ok,
            "erklæring_ok": case.declaration_ok,
            "i_tide_ok": case.in_time_ok,
            "merknad": case.conditions_note,
        },
        "anbefalt_tilskudd": case.recommended_total,
        "begrunnelse": case.justification,
        "vurdert": when(case.assessed_at),
        "vurdert_av": person(case.assessed_by),
        "fordelt": case.allocated,
        "habilitetserklæringer": _declarations(case),
        "poeng": [{"kriterium": str(s.criterion), "poeng": s.score, "kommentar": s.comment} for s in case.scores.all()],
        "budsjettlinjer_vurdert": [
            {
                "innsending": line.submission_id,
                "linje": line.index,
                "kategori": line.category,
                "beskrivelse": line.description,
                "søkt": line.requested,
                "tilskuddsberettiget": line.eligible,
                "anbefalt": line.recommended,
            }
            for line in case.line_assessments.all()
        ],
        "innsendinger": [
            {
                "versjon": s.number,
                "sum_budsjett": s.total,
                "sendt_til_bekreftelse": when(s.sent_at),
                "sendt_av": person(s.sent_by),
                "bekreftet": when(s.confirmed_at),
                "bekreftet_av": person(s.confirmed_by),
                "på_grunnlag_av": s.authority,
                "kvittering_sha256": s.receipt_sha256,
                "trukket_for_retting": when(s.withdrawn_at),
                "trukket_av": person(s.withdrawn_by),
            }
            for s in submissions
        ],
    }


def decision_data(decision: Decision) -> dict:
    letter = decision.letter_or_none
    return {
        "vedtak": decision.pk,
        "type": decision.kind,
        "status": decision.state,
        "søkt": decision.requested,
        "tildelt": decision.amount,
        "utbetalt": decision.paid,
        "regler": decision.rules,
        "faktiske_forhold": decision.facts,
        "hovedhensyn": decision.considerations,
        "formål_og_vilkår": decision.conditions,
        "frist_for_rapport": when(decision.report_deadline),
        "erstatter": decision.replaces_id,
        "foreslått_av": person(decision.proposed_by),
        "foreslått": when(decision.proposed_at),
        "sendt_tilbake_av": person(decision.returned_by),
        "sendt_tilbake": when(decision.returned_at),
        "hvorfor_sendt_tilbake": decision.return_reason,
        "godkjent_av": person(decision.approved_by),
        "godkjent": when(decision.approved_at),
        "omgjort": when(decision.reversed_at),
        "akseptert_av": person(decision.accepted_by),
        "akseptert": when(decision.accepted_at),
        "linjer": [
            {"kategori": line.category.name, "søkt": line.requested, "tildelt": line.granted}
            for line in decision.lines.all()
        ],
        "utbetalinger": [
            {
                "beløp": p.amount,
                "dato": when(p.paid_on),
                "referanse": p.reference,
                "registrert_av": person(p.recorded_by),
                "registrert": when(p.recorded_at),
            }
            for p in decision.payments.all()
        ],
        "brev": None
        if letter is None
        else {
            "referanse": letter.reference,
            "målform": letter.language,
            "status": letter.status,
            "sha256": letter.sha256,
            "sendt": when(letter.issued_at),
            "fylkeskommunen_varslet": when(letter.notified_at),
            "først_åpnet": when(letter.first_opened_at),
            "først_åpnet_av": person(letter.first_opened_by),
        },
    }


def appeal_data(appeal: Appeal) -> dict:
    return {
        "klage": appeal.pk,
        "vedtak": appeal.decision_id,
        "status": appeal.state,
        "hvorfor_dere_klager": appeal.reasons,
        "klaget_av": person(appeal.filed_by),
        "mottatt": when(appeal.filed_at),
        "klagefrist": when(appeal.deadline),
        "kom_for_sent": appeal.is_late,
        "begrunnelse_for_omgjøring": appeal.reversal_reason,
        "oversendelsesbrev": appeal.cover_note,
        "sendt_departementet_av": person(appeal.forwarded_by),
        "sendt_departementet": when(appeal.forwarded_at),
        "departementets_avgjørelse": appeal.outcome_note,
        "avgjort": when(appeal.decided_on),
        "registrert_av": person(appeal.closed_by),
        "registrert": when(appeal.closed_at),
        "vedlegg": [
            {
                "id": a.pk,
                "filnavn": a.original_name,
                "filtype": a.content_type,
                "størrelse": a.size,
                "sha256": a.sha256,
                "lastet_opp_av": person(a.uploaded_by),
                "lastet_opp": when(a.uploaded_at),
            }
            for a in appeal.attachments.all()
        ],
    }


def report_data(report: AnnualReport) -> dict:
    lines = list(report.lines.all())
    spent = sum((line.spent for line in lines), start=ZERO)
    return {
        "rapport": report.pk,
        "vedtak": report.decision_id,
        "status": report.state,
        "frist": when(report.deadline),
        "samarbeidsmodellen": report.cooperation_model,
        "samarbeidets_utvikling": report.cooperation_development,
        "aktiviteter": report.activities,
        "bruk_av_tilskuddet": report.use_of_grant,
        "resultater": {
            "deltakere_startet": report.participants_started,
            "deltakere_fullførte": report.participants_completed,
            "deltakere_fag_svennebrev_eller_kompetansebevis": report.participants_certified,
            "deltakere_fikk_arbeid": report.participants_employed,
        },
        "regnskap": {
            "overført_fra_i_fjor": report.carried_in,
            "andre_inntekter": report.other_income,
            "utgifter": spent,
            "ubrukt": report.unused(spent),
            "fil": report.accounts_file_name,
            "sha256": report.accounts_sha256,
        },
        "søker_overføring": report.carry_over_requested,
        "begrunnelse_for_overføring": report.carry_over_reason,
        "godkjenninger_av_regnskapet": [
            {"som": a.capacity, "av": person(a.user), "godkjent": when(a.approved_at)} for a in report.approvals.all()
        ],
        "sendt_inn": when(report.submitted_at),
        "sendt_inn_av": person(report.submitted_by),
        "levert_for_sent": report.is_late,
        "sendt_tilbake": when(report.returned_at),
        "sendt_tilbake_av": person(report.returned_by),
        "hvorfor_sendt_tilbake": report.return_reason,
        "godkjent": when(report.approved_at),
        "godkjent_av": person(report.approved_by),
        "imdis_vurdering": report.assessment_note,
        "opprettet_av": person(report.created_by),
        "opprettet": when(report.created_at),
        "sist_endret": when(report.updated_at),
        "overføring": _carry_over_data(report.carry_over_or_none),
        "vedlegg": _attachments_data(report),
    }


def _carry_over_data(carry_over: CarryOver | None) -> dict | None:
    if carry_over is None:
        return None
    return {
        "til_år": carry_over.to_year,
        "beløp": carry_over.amount,
        "godkjent_av": person(carry_over.approved_by),
        "godkjent": when(carry_over.approved_at),
        "søknad": carry_over.application_id,
    }


def _attachments_data(report: AnnualReport) -> list[dict]:
    return [
        {
            "id": a.pk,
            "filnavn": a.original_name,
            "beskrivelse": a.description,
            "filtype": a.content_type,
            "størrelse": a.size,
            "sha256": a.sha256,
            "lastet_opp_av": person(a.uploaded_by),
            "lastet_opp": when(a.uploaded_at),
            "fjernet": when(a.removed_at),
        }
        for a in report.attachments.all()
    ]


def accounts_csv(report: AnnualReport) -> bytes:
    lines = list(report.lines.all())
    rows = [[line.category.name, line.budgeted, line.granted, line.spent] for line in lines]
    totals = [sum((getattr(line, name) for line in lines), start=ZERO) for name in ("budgeted", "granted", "spent")]
    rows.append([_("Sum"), *totals])
    return to_csv([_("Kostnadskategori"), _("Budsjett"), _("Tildelt"), _("Regnskap")], rows)


def claim_data(claim: RepaymentClaim) -> dict:
    return {
        "krav": claim.pk,
        "vedtak": claim.decision_id,
        "rapport": claim.report_id,
        "status": claim.state,
        "grunnlag": claim.reason,
        "beløp": claim.amount,
        "begrunnelse": claim.explanation,
        "referanse": claim.reference,
        "forhåndsvarsel_sendt": when(claim.notice_sent_at),
        "forhåndsvarsel_sendt_av": person(claim.notice_sent_by),
        "frist_for_merknader": when(claim.comment_deadline),
        "fylkeskommunens_merknader": claim.county_comment,
        "merknader_mottatt": when(claim.commented_at),
        "merknader_fra": person(claim.commented_by),
        "krav_sendt": when(claim.claimed_at),
        "krav_sendt_av": person(claim.claimed_by),
        "forfallsdato": when(claim.due_date),
        "kontonummer": claim.account_number,
        "målform": claim.language,
        "kravbrev_status": claim.letter_status,
        "kravbrev_sha256": claim.letter_sha256,
        "fylkeskommunen_varslet": when(claim.letter_notified_at),
        "tilbakebetalt": claim.repaid_amount,
        "betalt_dato": when(claim.repaid_on),
        "registrert_av": person(claim.repaid_recorded_by),
        "registrert": when(claim.repaid_recorded_at),
        "hvorfor_frafalt": claim.cancelled_reason,
    }


def readable(event) -> str:
    """The event as IMDi's history page tells it: the sentence, then its other details."""
    entry = history.describe(event, county=False)
    details = "; ".join(f"{label}: {value}" for label, value in entry.details)
    return f"{entry.sentence} ({details})" if details else entry.sentence


def history_csv(events) -> bytes:
    rows = [
        [
            when(e.at),
            e.actor_label,
            role_name(e.role),
            e.organisation.name if e.organisation else "",
            e.action,
            str(action_label(e.action)),
            readable(e),
            history.state(e.from_state) if e.from_state else "",
            history.state(e.to_state) if e.to_state else "",
            json.dumps(e.changes, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True) if e.changes else "",
            e.ip or "",
            f"{e.object_type}:{e.object_id}",
        ]
        for e in events
    ]
    return to_csv(HISTORY_COLUMNS, rows)
