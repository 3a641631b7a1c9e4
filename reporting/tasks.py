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


@shared_task(ignore_result=True)
def notify_submitted(report_id: int) -> None:
    """Tell IMDi's caseworker on the case (or the call's contact address) that the report came."""
    report = AnnualReport.objects.select_related(
        "case__assigned_to", "application__organisation", "application__call"
    ).get(pk=report_id)
    assigned = report.case.assigned_to
    recipient = assigned.email if assigned is not None and assigned.is_active else report.application.call.contact_email
    context = {"report": report, "url": site_url("report_overview", report.application_id, report.decision_id)}
    mail.compose(
        "reporting/email/report_submitted", to=[recipient], context=context, language=settings.LANGUAGE_CODE
    ).send()


@shared_task
def notify_report_returned(report_id: int) -> None:
    """Tell the county why IMDi sent its report back."""
    report = AnnualReport.objects.select_related("application__organisation", "application__call", "submitted_by").get(
        pk=report_id
    )
    if report.state != AnnualReport.State.RETURNED:
        return
    organisation = report.application.organisation
    to = mail.recipients(organisation, users=[report.submitted_by], mailbox=True)
    context = {
        "report": report,
        "application": report.application,
        "url": site_url("report_overview", report.application_id, report.decision_id),
    }
    if to:
        language = organisation.written_standard or "nb"
        mail.compose("reporting/email/report_returned", to=to, context=context, language=language).send()


# --- Repayment claims -------------------------------------------------------------------------


def _load_claim(claim_id: int) -> RepaymentClaim:
    return RepaymentClaim.objects.select_related(
        "case__application__organisation", "case__application__call", "decision"
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


@shared_task(ignore_result=True)
def sweep_claim_notices() -> int:
    """Beat, every 5 minutes: the notices and claim letters whose e-mail never went (the broker was
    down when they were made, or sending failed), sent now. Returns how many were tried."""
    settled = timezone.now() - CLAIM_MAIL_AFTER
    notices = RepaymentClaim.objects.filter(
        state=RepaymentClaim.State.NOTICE, notice_notified_at__isnull=True, notice_sent_at__lt=settled
    ).values_list("pk", flat=True)
    letters = RepaymentClaim.objects.filter(
        letter_status=RepaymentClaim.LetterStatus.ISSUED, letter_notified_at__isnull=True, claimed_at__lt=settled
    ).values_list("pk", flat=True)
    tried = 0
    for notify, claim_ids in ((notify_notice, notices[:100]), (notify_claim_letter, letters[:100])):
        for claim_id in claim_ids:
            tried += 1
            try:
                notify(claim_id)
            except Exception:  # noqa: BLE001 - one county's mail server must not stop the others
                log.exception(
                    "Could not e-mail the county about repayment claim %s; the next sweep tries again", claim_id
                )
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
