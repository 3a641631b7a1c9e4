"""The archive for what the portal held before it had one (migration grants/0018_archive): every case
without a case folder gets its case number, and every document of every case that has no journal
entry is journaled, as the stage that handled it would have journaled it (``grants.services.journal``,
the same ``source`` keys, so that a stage that runs later finds its entry and writes nothing twice).

- Case numbers are given in the order the cases were received (their first submission), per year,
  continuing the year's counter, so the numbers have no gaps.
- A case's documents are journaled in the order they came in or went out, each on the day it did
  (``journaled_on``: its journal date, journal year and document date), with its stored files'
  format, size and SHA-256: the submissions with their agreements, paper documents and receipts,
  the declarations of impartiality (notes not to be journaled, X), the assessment and the proposals,
  the decision letters, the appeals with their attachments and letters, and, from ``reporting``
  (registered in ``BACKFILLS`` by its AppConfig), the annual reports and the repayment notices,
  comments and claims.

Running it again changes nothing: ``manage.py archive_backfill`` runs it, and ``make run`` runs that
after loading the demo data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from grants.appeal_letters import appeal_letter_title
from grants.archive.registry import case_folder_open, journal_issued, journal_receipt, journaled_on
from grants.letters import letter_title
from grants.models import Appeal, Case, CaseFolder, Channel, IncomingDocument, JournalEntry, Letter, Submission
from grants.services import journal

# A step: the moment a document came in or went out, and how to journal it.
Step = tuple[dt.datetime, Callable[[], object]]
# What else a case holds (reporting's documents): each function gives a case's steps.
BACKFILLS: list[Callable[[Case], list[Step]]] = []


@dataclass
class Backfilled:
    numbered: list[str] = field(default_factory=list)  # the case numbers given
    entries: int = 0
    cases: int = 0


def number_cases() -> list[str]:
    """A case number for every case without one, in the order the cases were received."""
    cases = (
        Case.objects.filter(folder__isnull=True)
        .select_related("call__scheme__owner", "application__organisation", "application__call")
        .annotate(received=Min("application__submissions__confirmed_at"))
        .order_by("received", "pk")
    )
    numbers = []
    for case in cases:
        received = case.received or case.updated_at
        with transaction.atomic():
            folder = case_folder_open(case, on=timezone.localdate(received))
        numbers.append(folder.number)
    return numbers


def submission_steps(submission: Submission, received: list) -> list[Step]:
    """The submission (with ``received``: the document of one that came by e-mail or post) and its receipt."""
    moment = submission.confirmed_at
    steps: list[Step] = [(moment, lambda: journal.journal_submission(submission=submission, documents=received))]
    if submission.receipt and submission.receipt_sha256:
        steps.append((moment, lambda: journal_receipt(submission=submission)))
    return steps


def letter_steps(letter: Letter) -> list[Step]:
    decision = letter.decision

    def register():
        journal.journal_letter(decision=decision)
        if letter.status == Letter.Status.READY:
            journal_issued(
                source=f"decision-letter:{decision.pk}",
                file=letter.file,
                sha256=letter.sha256,
                title=str(letter_title(decision)),
            )

    return [(letter.issued_at or decision.approved_at or decision.proposed_at, register)]


def appeal_steps(appeal: Appeal) -> list[Step]:
    received = [journal.received_doc(d) for d in appeal.incoming_documents.all()]
    steps: list[Step] = [(appeal.filed_at, lambda: journal.journal_appeal(appeal=appeal, documents=received))]
    for letter in appeal.letters.all():

        def register(letter=letter):
            journal.journal_appeal_letter(appeal=appeal, kind=letter.kind, written_by=letter.written_by)
            if letter.status == letter.Status.READY:
                journal_issued(
                    source=f"appeal-letter:{appeal.pk}:{letter.kind}",
                    file=letter.file,
                    sha256=letter.sha256,
                    title=appeal_letter_title(letter),
                )

        steps.append((letter.issued_at or letter.created_at, register))
    return steps


def case_steps(case: Case) -> list[Step]:
    """Every document of ``case`` as a step, the portal's and those of ``BACKFILLS``, oldest first."""
    steps: list[Step] = []
    application = case.application
    # A submission registered by IMDi came as a document: the n-th such submission, the n-th document.
    papers = iter(application.incoming_documents.filter(kind=IncomingDocument.Kind.APPLICATION).order_by("pk"))
    for submission in application.submissions.order_by("number"):
        paper = next(papers, None) if submission.channel != Channel.PORTAL else None
        steps += submission_steps(submission, [journal.received_doc(paper)] if paper else [])
    for declaration in case.declarations.select_related("user").order_by("declared_at", "pk"):
        steps.append(
            (
                declaration.declared_at,
                lambda declaration=declaration: journal.journal_declaration(declaration=declaration),
            )
        )
    if case.assessed_at:
        steps.append((case.assessed_at, lambda: journal.journal_assessment(case=case, actor_user=case.assessed_by)))
    for decision in case.decisions.order_by("proposed_at", "pk"):
        steps.append((decision.proposed_at, lambda decision=decision: journal.journal_proposal(decision=decision)))
        letter = Letter.objects.filter(decision=decision).first()
        if letter is not None:
            steps += letter_steps(letter)
    for appeal in case.appeals.order_by("filed_at", "pk"):
        steps += appeal_steps(appeal)
    for more in BACKFILLS:
        steps += more(case)
    return sorted(steps, key=lambda step: step[0])


def journal_case(case: Case) -> int:
    """Journal the documents of ``case`` that have no entry; returns how many entries were made."""
    before = JournalEntry.objects.filter(folder__case=case).count()
    with transaction.atomic():
        Case.objects.select_for_update().filter(pk=case.pk).values_list("pk", flat=True).get()
        for moment, register in case_steps(case):
            with journaled_on(timezone.localdate(moment)):
                register()
    return JournalEntry.objects.filter(folder__case=case).count() - before


def archive_backfill() -> Backfilled:
    """Number the cases without a case number and journal every document without an entry."""
    done = Backfilled(numbered=number_cases())
    folders = CaseFolder.objects.select_related("case__application", "case__call__scheme__owner", "case__assessed_by")
    for folder in folders.order_by("year", "sequence").iterator(chunk_size=200):
        done.entries += journal_case(folder.case)
        done.cases += 1
    return done
