"""Reporting's background work: every Celery task. A task takes ids, loads the rows, and is
idempotent: an e-mail is claimed on its row before it goes (``portal.mail.send_once``), and a sweep
sends what the broker never got (STYLE.md: the database row is the truth).
The beat schedule (portal/celery.py) calls the sweeps by their names here (``reporting.tasks.…``).
"""

from __future__ import annotations

import datetime as dt
import logging
import tempfile

from celery import shared_task
from django.conf import settings
from django.core.files import File
from django.urls import reverse
from django.utils import timezone, translation

from grants.notices import IMDI_LANGUAGE, case_caseworkers
from portal import mail
from portal.formats import kr
from reporting import reminders
from reporting.datasets import filename, get_dataset
from reporting.export_files import write_xlsx
from reporting.models import AnnualReport, ExportJob, RepaymentClaim

log = logging.getLogger(__name__)

SWEEP_AFTER = dt.timedelta(minutes=10)  # an export still pending after this was never made: make it
GIVE_UP_AFTER = dt.timedelta(days=1)
CLAIM_MAIL_AFTER = dt.timedelta(minutes=5)  # leave a fresh claim's e-mail to the task sent after its commit


def site_url(name: str, *args) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=args)


# --- The annual report ------------------------------------------------------------------------


def _load_report(report_id: int) -> AnnualReport:
    return AnnualReport.objects.select_related(
        "case__assigned_to",
        "case__call__scheme__owner",
        "application__organisation",
        "application__call",
        "submitted_by",
        "carry_over",
    ).get(pk=report_id)


@shared_task(ignore_result=True)
def notify_submitted(report_id: int) -> None:
    """Tell IMDi's caseworker on the case (or the scheme's caseworkers, or the call's contact address)
    that the report came, once per submission (claimed on imdi_notified_at)."""
    report = _load_report(report_id)
    if report.state != AnnualReport.State.SUBMITTED or report.imdi_notified_at is not None:
        return
    context = {
        "report": report,
        "amount": kr(report.unused()),
        "url": site_url("report_assess", report.pk),
    }
    to = case_caseworkers(report.case)
    message = mail.compose("reporting/email/report_submitted", to=to, context=context, language=IMDI_LANGUAGE)
    rows = AnnualReport.objects.filter(pk=report.pk, state=AnnualReport.State.SUBMITTED)
    mail.send_message_once(rows, "imdi_notified_at", message)


def _tell_county_of_report(report: AnnualReport, template: str, state: str) -> None:
    """E-mail whoever submitted the report and the county's mailbox about IMDi's assessment, once
    (claimed on county_notified_at, cleared at each return or approval)."""
    if report.state != state or report.county_notified_at is not None:
        return
    organisation = report.application.organisation
    carry = getattr(report, "carry_over", None)
    context = {
        "report": report,
        "application": report.application,
        "unused": kr(report.unused()) if state == AnnualReport.State.APPROVED else "",
        "carry_over": carry,
        "carried": kr(carry.amount) if carry is not None else "",
        "url": site_url("report_overview", report.application_id, report.decision_id),
    }
    to = mail.recipients(organisation, users=[report.submitted_by], mailbox=True)
    message = mail.compose(template, to=to, context=context, language=organisation.written_standard or "nb")
    rows = AnnualReport.objects.filter(pk=report.pk, state=state)
    mail.send_message_once(rows, "county_notified_at", message)


@shared_task
def notify_report_returned(report_id: int) -> None:
    """Tell the county why IMDi sent its report back, once."""
    _tell_county_of_report(_load_report(report_id), "reporting/email/report_returned", AnnualReport.State.RETURNED)


@shared_task
def notify_report_approved(report_id: int) -> None:
    """Tell the county that IMDi approved its report, and what becomes of the unused funds, once."""
    _tell_county_of_report(_load_report(report_id), "reporting/email/report_approved", AnnualReport.State.APPROVED)


def unsent_report_notices() -> list[tuple]:
    """The e-mails about reports that never went (the broker was down), as (task, report id)."""
    settled = timezone.now() - CLAIM_MAIL_AFTER
    unsent = AnnualReport.objects.values_list("pk", flat=True)
    submitted = unsent.filter(
        state=AnnualReport.State.SUBMITTED, imdi_notified_at__isnull=True, submitted_at__lt=settled
    )
    returned = unsent.filter(
        state=AnnualReport.State.RETURNED, county_notified_at__isnull=True, returned_at__lt=settled
    )
    approved = unsent.filter(
        state=AnnualReport.State.APPROVED, county_notified_at__isnull=True, approved_at__lt=settled
    )
    return [
        *((notify_submitted, pk) for pk in submitted[:100]),
        *((notify_report_returned, pk) for pk in returned[:100]),
        *((notify_report_approved, pk) for pk in approved[:100]),
    ]


# --- Repayment claims -------------------------------------------------------------------------


def _load_claim(claim_id: int) -> RepaymentClaim:
    return RepaymentClaim.objects.select_related(
        "case__application__organisation",
        "case__application__call",
        "case__call__scheme__owner",
        "case__assigned_to",
        "decision",
        "notice_sent_by",
    ).get(pk=claim_id)


def _tell_county(claim: RepaymentClaim, template: str, field: str) -> None:
    """E-mail the county's mailbox, director and fullmakt holders about ``claim``, once (claimed on
    ``field``)."""
    application = claim.case.application
    organisation = application.organisation
    context = {
        "claim": claim,
        "application": application,
        "url": site_url("repayment_view", application.pk, claim.pk),
        "amount": kr(claim.amount),
    }
    to = mail.recipients(organisation, confirmers=True, mailbox=True)
    message = mail.compose(template, to=to, context=context, language=organisation.written_standard or "nb")

    def send() -> None:
        if message.to:
            message.send()

    mail.send_once(RepaymentClaim.objects.filter(pk=claim.pk), field, send)


@shared_task
def notify_notice(claim_id: int) -> None:
    """Tell the county about the prior notice, once (claimed on notice_notified_at)."""
    claim = _load_claim(claim_id)
    if claim.state != RepaymentClaim.State.NOTICE or claim.notice_notified_at is not None:
        return
    _tell_county(claim, "reporting/email/repayment_notice", "notice_notified_at")


@shared_task
def notify_claim_letter(claim_id: int) -> None:
    """Tell the county that the claim letter is in the portal, once (claimed on letter_notified_at)."""
    claim = _load_claim(claim_id)
    if claim.letter_status != RepaymentClaim.LetterStatus.ISSUED or claim.letter_notified_at is not None:
        return
    _tell_county(claim, "reporting/email/repayment_claimed", "letter_notified_at")


@shared_task
def notify_comment(claim_id: int) -> None:
    """Tell IMDi's caseworkers on the case, and whoever gave the notice, that the county commented on
    it, once per comment (claimed on comment_notified_at, cleared when the county comments again)."""
    claim = _load_claim(claim_id)
    if claim.commented_at is None or claim.comment_notified_at is not None:
        return
    context = {
        "claim": claim,
        "application": claim.case.application,
        "amount": kr(claim.amount),
        "url": site_url("repayment_detail", claim.pk),
    }
    to = mail.once_each([*case_caseworkers(claim.case), claim.notice_sent_by.email])
    message = mail.compose("reporting/email/repayment_commented", to=to, context=context, language=IMDI_LANGUAGE)
    rows = RepaymentClaim.objects.filter(pk=claim.pk, commented_at__isnull=False)
    mail.send_message_once(rows, "comment_notified_at", message)


@shared_task
def notify_repaid(claim_id: int) -> None:
    """Tell the county that IMDi has recorded its repayment, once (claimed on repaid_notified_at)."""
    claim = _load_claim(claim_id)
    if claim.state != RepaymentClaim.State.REPAID or claim.repaid_notified_at is not None:
        return
    _tell_county(claim, "reporting/email/repayment_repaid", "repaid_notified_at")


def _unsent_claim_notices() -> list[tuple]:
    settled = timezone.now() - CLAIM_MAIL_AFTER
    claims = RepaymentClaim.objects.values_list("pk", flat=True)
    State = RepaymentClaim.State
    notices = claims.filter(state=State.NOTICE, notice_notified_at__isnull=True, notice_sent_at__lt=settled)
    letters = claims.filter(
        letter_status=RepaymentClaim.LetterStatus.ISSUED, letter_notified_at__isnull=True, claimed_at__lt=settled
    )
    comments = claims.filter(comment_notified_at__isnull=True, commented_at__lt=settled)
    repaid = claims.filter(state=State.REPAID, repaid_notified_at__isnull=True, repaid_recorded_at__lt=settled)
    return [
        *((notify_notice, pk) for pk in notices[:100]),
        *((notify_claim_letter, pk) for pk in letters[:100]),
        *((notify_comment, pk) for pk in comments[:100]),
        *((notify_repaid, pk) for pk in repaid[:100]),
    ]


@shared_task(ignore_result=True)
def sweep_claim_notices() -> int:
    """Beat, every 5 minutes: the e-mails about repayment claims (notice, claim letter, the county's
    comments, the repayment) and about reports (submitted, returned, approved) that never went (the
    broker was down when they were made, or sending failed), sent now. Returns how many were tried."""
    tried = 0
    for notify, row_id in [*_unsent_claim_notices(), *unsent_report_notices()]:
        tried += 1
        try:
            notify(row_id)
        except Exception:  # noqa: BLE001 - one county's mail server must not stop the others
            log.exception("Could not send %s for %s; the next sweep tries again", notify.name, row_id)
    return tried


# --- Reminders --------------------------------------------------------------------------------


@shared_task(ignore_result=True)
def send_reminders() -> dict:
    """The periodic sweep (beat, every 15 minutes). Idempotent: a reminder already sent, or claimed
    by a sweep running at the same time, is not sent again."""
    return reminders.sweep_reminders()


# --- Exports ----------------------------------------------------------------------------------


def _build(job: ExportJob) -> None:
    """Write the file and mark the job done, or failed. Two runs at once leave one file: only the
    run that moves the job from pending stores its file; the other deletes its own."""
    field = ExportJob._meta.get_field("file")
    dataset = get_dataset(job.dataset)
    try:
        if dataset is None or job.format != "xlsx":
            raise ValueError(f"unknown export {job.dataset}.{job.format}")
        with tempfile.TemporaryFile() as tmp, translation.override(settings.LANGUAGE_CODE):
            rows = write_xlsx(dataset, job.call, tmp)
            tmp.seek(0)
            name = field.storage.save(field.generate_filename(job, filename(job.call, dataset, "xlsx")), File(tmp))
    except Exception as exc:
        log.exception("Export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.PENDING).update(
            status=ExportJob.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        return
    done = ExportJob.objects.filter(pk=job.pk, status=ExportJob.Status.PENDING).update(
        status=ExportJob.Status.DONE, file=name, rows=rows, finished_at=timezone.now()
    )
    if not done:
        field.storage.delete(name)


def _notify(job_id: int) -> None:
    """E-mail the user once that the file is ready (or could not be made)."""
    finished = ExportJob.objects.filter(pk=job_id, status__in=[ExportJob.Status.DONE, ExportJob.Status.FAILED])

    def send() -> None:
        job = ExportJob.objects.select_related("user", "call").get(pk=job_id)
        dataset = get_dataset(job.dataset)
        context = {
            "job": job,
            "user": job.user,
            "title": dataset.title if dataset else job.dataset,
            "done": job.status == ExportJob.Status.DONE,
            "url": settings.SITE_URL + reverse("export_index"),
        }
        language = settings.LANGUAGE_CODE
        mail.compose("reporting/email/export_ready", to=[job.user.email], context=context, language=language).send()

    mail.send_once(finished, "notified_at", send)


@shared_task(acks_late=True)
def build_export(job_id: int) -> None:
    """Make an ordered export file and tell the user. Idempotent: a finished job is not made again,
    and the e-mail is claimed on the row before it is sent."""
    job = ExportJob.objects.select_related("call").filter(pk=job_id).first()
    if job is None:
        return
    if job.status == ExportJob.Status.PENDING:
        _build(job)
    _notify(job_id)


@shared_task
def sweep_exports() -> None:
    """Make the files the broker never got (it was down when they were ordered) or a worker died
    making; give up after a day. Send the e-mails that were never sent."""
    now = timezone.now()
    ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=now - GIVE_UP_AFTER).update(
        status=ExportJob.Status.FAILED, error="gave up: not made within a day", finished_at=now
    )
    stale = ExportJob.objects.filter(status=ExportJob.Status.PENDING, created_at__lt=now - SWEEP_AFTER)
    unsent = ExportJob.objects.filter(
        status__in=[ExportJob.Status.DONE, ExportJob.Status.FAILED],
        notified_at__isnull=True,
        finished_at__lt=now - dt.timedelta(minutes=2),
    )
    for job_id in [*stale.values_list("pk", flat=True), *unsent.values_list("pk", flat=True)]:
        build_export.delay(job_id)
