"""The journal, stage by stage (arkivforskrifta, Noark 5): each stage of a case calls one function here
inside its own transaction, and it registers the stage's document in the case's journal with the
right type (I incoming, U outgoing, N internal, X a note not to be journaled), sender or recipient,
and access code. The numbers, the locks and the idempotence are ``grants.archive.registry``'s.

Incoming: the application as submitted (with its agreements, and its receipt when made), a paper
application or appeal, an appeal, and, from ``reporting``, a county's comment, an annual report and
accounts (``journal_incoming``). Outgoing: the receipt, the decision and dismissal letters, the
forwarding to the ministry, and, from ``reporting``, a repayment notice and claim
(``journal_outgoing``). Internal: the assessment and the proposal. Not to be journaled (X): a
caseworker's declaration of impartiality or of a conflict.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grants import tasks
from grants.appeal_letters import TITLES as APPEAL_LETTER_TITLES
from grants.appeal_letters import the_ministry
from grants.archive.registry import (
    Access,
    Doc,
    Party,
    Type,
    case_folder_open,
    case_journal,
    journal_day,
    journal_issued,
    journal_register,
)
from grants.letters import letter_title
from grants.models import AppealLetter, ArchiveExtractJob, Case, JournalEntry, Scheme
from portal import audit
from portal.access import has_role
from portal.audit import Actor
from portal.background import send_after_commit
from portal.models import Role, User
from portal.rules import Refused

__all__ = ["Doc", "Party", "case_folder_open", "case_journal", "journal_issued", "journal_register"]


# --- The stages of a case -----------------------------------------------------------------------
# Each is called inside the stage's own transaction (or, for a rendered document, where it is stored).


def internal_party(case: Case) -> Party:
    return Party.of(case.call.scheme.owner)


def journal_submission(*, submission, documents: Iterable[Doc] = (), dated: dt.date | None = None) -> JournalEntry:
    """Incoming: the application as submitted, with its agreements (and, for one that came by e-mail
    or post, the document received). Its receipt is attached when it is made."""
    application = submission.application
    agreements = [
        Doc(file=a.file, sha256=a.sha256, title=a.partner_name, original_name=a.original_name, size=a.size, main=False)
        for a in application.agreements.filter(removed_at__isnull=True).order_by("id")
    ]
    return journal_register(
        case=application.case,
        source=f"submission:{submission.pk}",
        type=Type.INCOMING,
        title=_("Søknad om tilskudd – %(call)s (versjon %(n)s)")
        % {"call": application.call.title, "n": submission.number},
        party=Party.of(application.organisation),
        document_date=dated or timezone.localdate(submission.confirmed_at),
        documents=[*documents, *agreements],
    )


def journal_assessment(*, case: Case, actor_user: User | None) -> JournalEntry:
    """Internal: the caseworker's finished assessment (organinternt, offentleglova § 14)."""
    moment = case.assessed_at or timezone.now()
    return journal_register(
        case=case,
        source=f"assessment:{case.pk}:{int(moment.timestamp())}",
        type=Type.INTERNAL,
        title=_("Vurdering av søknaden"),
        party=internal_party(case),
        access=Access.INTERNAL,
        document_date=timezone.localdate(moment),
        caseworker=actor_user,
    )


def journal_declaration(*, declaration) -> JournalEntry:
    """A note not to be journaled (X, organinternt dokument uten oppfølging): a caseworker's declaration
    that they are not disqualified, or that they are, with the reason (forvaltningsloven §§ 6–10). It is
    kept in the case (the case page, the case file, the extract's arkivstruktur); the journals, the
    public one and the extract's loependeJournal and offentligJournal, leave it out."""
    case = declaration.case
    if declaration.disqualified:
        title = _("Habilitetserklæring: %(name)s er inhabil")
    else:
        title = _("Habilitetserklæring: %(name)s er ikke inhabil")
    return journal_register(
        case=case,
        source=f"declaration:{declaration.pk}",
        type=Type.NOTE,
        title=title % {"name": declaration.user.full_name},
        public_title=_("Habilitetserklæring"),
        party=internal_party(case),
        access=Access.INTERNAL,
        document_date=timezone.localdate(declaration.declared_at),
        caseworker=declaration.user,
        note=declaration.reason,
    )


def journal_proposal(*, decision) -> JournalEntry:
    """Internal: the proposed decision, for a second caseworker to approve."""
    case = decision.case
    return journal_register(
        case=case,
        source=f"proposal:{decision.pk}",
        type=Type.INTERNAL,
        title=_("Forslag til vedtak: %(kind)s") % {"kind": decision.get_kind_display()},
        party=internal_party(case),
        access=Access.INTERNAL,
        document_date=timezone.localdate(decision.proposed_at),
        caseworker=decision.proposed_by,
    )


def journal_letter(*, decision) -> JournalEntry:
    """Outgoing: the letter of an approved decision (grant, rejection, dismissal), journaled before the
    letter is made so that its "Vår referanse" is the entry's document number. It answers the
    application."""
    case = decision.case
    submissions = case.application.submissions.values_list("pk", flat=True)
    return journal_register(
        case=case,
        source=f"decision-letter:{decision.pk}",
        type=Type.OUTGOING,
        title=str(letter_title(decision)),
        party=Party.of(case.application.organisation),
        document_date=journal_day(),
        caseworker=decision.proposed_by,
        replies_to=[f"submission:{pk}" for pk in submissions],
    )


def journal_appeal(*, appeal, documents: Iterable[Doc] = (), dated: dt.date | None = None) -> JournalEntry:
    """Incoming: an appeal, filed in the portal (with its attachments) or registered by IMDi."""
    case = appeal.case
    attachments = [
        Doc(file=a.file, sha256=a.sha256, title=a.original_name, original_name=a.original_name, size=a.size)
        for a in appeal.attachments.order_by("id")
    ]
    return journal_register(
        case=case,
        source=f"appeal:{appeal.pk}",
        type=Type.INCOMING,
        title=_("Klage på vedtak om avvisning"),
        party=Party.of(case.application.organisation),
        document_date=dated or timezone.localdate(appeal.filed_at),
        documents=[*documents, *attachments],
    )


def journal_appeal_letter(*, appeal, kind: str, written_by: User) -> JournalEntry:
    """Outgoing: a letter dismissing an appeal (to the county) or forwarding it (to the ministry, with a
    copy to the county), journaled before the letter is made (its reference is the entry's document
    number). It answers the appeal."""
    case = appeal.case
    if kind == AppealLetter.Kind.FORWARDING:
        ministry = the_ministry()
        party = Party.of(ministry) if ministry else Party(name=_("Arbeids- og inkluderingsdepartementet"))
    else:
        party = Party.of(case.application.organisation)
    return journal_register(
        case=case,
        source=f"appeal-letter:{appeal.pk}:{kind}",
        type=Type.OUTGOING,
        title=str(APPEAL_LETTER_TITLES[kind]),
        party=party,
        document_date=journal_day(),
        caseworker=written_by,
        replies_to=[f"appeal:{appeal.pk}"],
    )


# --- For reporting: what follows a grant ---------------------------------------------------------


def journal_incoming(
    *, case: Case, source: str, title: str, dated: dt.date | None = None, documents: Iterable[Doc] = ()
) -> JournalEntry:
    """Incoming from the county of ``case``: an annual report and accounts, a comment on a notice."""
    return journal_register(
        case=case,
        source=source,
        type=Type.INCOMING,
        title=title,
        party=Party.of(case.application.organisation),
        document_date=dated or journal_day(),
        documents=documents,
    )


def journal_outgoing(
    *, case: Case, source: str, title: str, caseworker: User | None, replies_to: Iterable[str] = ()
) -> JournalEntry:
    """Outgoing to the county of ``case``: a repayment notice or claim. Its file, rendered later, is
    attached with ``journal_issued``."""
    return journal_register(
        case=case,
        source=source,
        type=Type.OUTGOING,
        title=title,
        party=Party.of(case.application.organisation),
        document_date=journal_day(),
        caseworker=caseworker,
        replies_to=replies_to,
    )


def received_doc(document) -> Doc:
    """A document that came by e-mail or post (``IncomingDocument``), as registered."""
    return Doc(
        file=document.file,
        sha256=document.sha256,
        title=str(document.get_kind_display()),
        original_name=document.original_name,
        size=document.size,
    )


# --- Called by reporting (reporting imports grants, never the other way) --------------------------


def journal_report(*, report) -> JournalEntry:
    """Incoming: an annual report with its accounts and attachments, each time it is submitted."""
    documents = []
    if report.accounts_file:
        name = report.accounts_file_name or report.accounts_file.name
        documents.append(
            Doc(file=report.accounts_file, sha256=report.accounts_sha256, title=_("Regnskap"), original_name=name)
        )
    documents += [
        Doc(
            file=a.file,
            sha256=a.sha256,
            title=a.description or a.original_name,
            original_name=a.original_name,
            size=a.size,
        )
        for a in report.attachments.filter(removed_at__isnull=True).order_by("id")
    ]
    moment = report.submitted_at or timezone.now()
    return journal_incoming(
        case=report.decision.case,
        source=f"report:{report.pk}:{int(moment.timestamp())}",
        title=_("Årsrapport og regnskap for %(year)s") % {"year": report.application.call.year},
        dated=timezone.localdate(moment),
        documents=documents,
    )


def journal_claim_notice(*, claim) -> JournalEntry:
    """Outgoing: the prior notice of a repayment claim (shown in the portal and e-mailed)."""
    return journal_outgoing(
        case=claim.case,
        source=f"notice:{claim.pk}",
        title=_("Forhåndsvarsel om krav om tilbakebetaling"),
        caseworker=claim.notice_sent_by,
    )


def journal_claim_comment(*, claim) -> JournalEntry:
    """Incoming: the county's comments on the prior notice, each time they are sent."""
    moment = claim.commented_at or timezone.now()
    return journal_incoming(
        case=claim.case,
        source=f"comment:{claim.pk}:{int(moment.timestamp())}",
        title=_("Merknader til forhåndsvarsel om krav om tilbakebetaling"),
        dated=timezone.localdate(moment),
    )


def journal_claim_letter(*, claim) -> JournalEntry:
    """Outgoing: the repayment claim letter, registered before it is made (the letter prints the entry's
    document number as "Vår referanse"). It answers the county's comments."""
    comments = JournalEntry.objects.filter(source__startswith=f"comment:{claim.pk}:").values_list("source", flat=True)
    return journal_outgoing(
        case=claim.case,
        source=f"claim:{claim.pk}",
        title=_("Krav om tilbakebetaling av tilskudd"),
        caseworker=claim.claimed_by,
        replies_to=list(comments),
    )


def journal_claim_letter_stored(*, claim) -> None:
    """The claim letter, once stored, is attached to its entry, which is then dispatched."""
    journal_issued(
        source=f"claim:{claim.pk}",
        file=claim.letter,
        sha256=claim.letter_sha256,
        title=_("Krav om tilbakebetaling av tilskudd"),
    )


# --- A request for access from the public journal (offentleglova § 28) ----------------------------

ACCESS_REQUESTS_PER_HOUR = 10  # from one address: more is refused until the hour has passed


def access_request_allowed(client_key: str) -> bool:
    """Count a request from ``client_key`` (an address) and say whether it is within the hour's limit."""
    key = f"journal:access-request:{client_key}:{timezone.now():%Y%m%d%H}"
    cache.add(key, 0, timeout=3600)
    try:
        return cache.incr(key) <= ACCESS_REQUESTS_PER_HOUR
    except ValueError:  # the key expired between add and incr
        return True


def access_request_register(*, entry_id: int, name: str, email: str, message: str, client_key: str) -> JournalEntry:
    """A citizen asks for access to an entry: an incoming entry of its own in the same case, for IMDi
    to answer. The requester is a private person: the name is screened on the public journal."""
    if not access_request_allowed(client_key):
        raise Refused(_("Du har sendt mange innsynskrav på kort tid. Prøv igjen om en time."))
    requested = JournalEntry.objects.public().select_related("folder__case").filter(pk=entry_id).first()
    if requested is None:
        raise Refused(_("Journalposten finnes ikke i den offentlige journalen."))
    number = requested.document_number
    return journal_register(
        case=requested.folder.case,
        source=f"access-request:{uuid.uuid4().hex}",
        type=Type.INCOMING,
        title=_("Innsynskrav fra %(name)s i %(number)s") % {"name": name.strip(), "number": number},
        public_title=_("Innsynskrav i %(number)s") % {"number": number},
        party=Party(name=name.strip(), email=email.strip(), screened=True),
        access=Access.PERSONAL,
        document_date=journal_day(),
        requested_entry=requested,
        note=message.strip(),
    )


# --- An archive extract, ordered by an admin ---------------------------------------------------------


def archive_extract_order(*, actor: Actor, scheme: Scheme, first_year: int, last_year: int) -> ArchiveExtractJob:
    """An admin orders a Noark 5 extract of ``scheme``'s cases in the years; a Celery task writes it
    after the commit (``grants.tasks.build_archive_extract``)."""
    has_role(actor.membership, Role.ADMIN).or_refuse()
    if last_year < first_year:
        raise Refused(_("Til-året må være samme år som eller etter fra-året."))
    with transaction.atomic():
        job = ArchiveExtractJob.objects.create(
            scheme=scheme, first_year=first_year, last_year=last_year, requested_by=actor.user
        )
        audit.record(
            actor=actor,
            action="archive.extract_ordered",
            obj=job,
            changes={"scheme": scheme.code, "years": f"{first_year}-{last_year}"},
        )
        send_after_commit(tasks.build_archive_extract, job.pk)
    return job
