"""Reporting's events in IMDi's daily digest (grants.notice_digest): a report submitted, and a county's
comments on a repayment notice. Registered when the app is ready (reporting.apps); the e-mails sent at
once for the same events are in reporting.tasks."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from grants.notice_digest import Event, register_source, related
from portal.formats import kr
from reporting.models import AnnualReport, RepaymentClaim


def _url(name: str, pk: int) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(name, args=[pk])


def reports_between(start: dt.datetime, end: dt.datetime) -> list[Event]:
    rows = AnnualReport.objects.filter(submitted_at__gte=start, submitted_at__lt=end).select_related(*related("case"))
    return [
        Event(
            row.submitted_at,
            _("Årsrapport og regnskap sendt inn"),
            row.case,
            _("Ubrukte midler"),
            kr(row.unused()),
            _url("report_assess", row.pk),
        )
        for row in rows
    ]


def comments_between(start: dt.datetime, end: dt.datetime) -> list[Event]:
    rows = RepaymentClaim.objects.filter(commented_at__gte=start, commented_at__lt=end).select_related(*related("case"))
    return [
        Event(
            row.commented_at,
            _("Merknader til forhåndsvarsel om tilbakebetaling"),
            row.case,
            _("Varslet beløp"),
            kr(row.amount),
            _url("repayment_detail", row.pk),
        )
        for row in rows
    ]


register_source(reports_between)
register_source(comments_between)
