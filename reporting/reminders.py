"""Reminders: a periodic sweep scans the database and e-mails each reminder once (STYLE.md: periodic
work claims each unit with a unique row and a conditional update; NOTES.md: at most one duplicate,
and it is visible).

One sweep (``sweep_reminders``, run by the Celery task ``tasks.send_reminders`` every 15 minutes):

1. finds the candidates, one query per kind, whatever their number: the application deadline
   (14, 7 and 1 days ahead), applications waiting for confirmation (2 days after they were sent),
   grants waiting for acceptance (7 days after the letter), the report deadline (30, 7, 1 days
   ahead), reports overdue, and repayments due (7 days ahead, then overdue). Of a kind's steps only
   the smallest window reached counts: a sweep that first runs 3 days before a deadline sends the
   7-day reminder, never the 14-day one late;
2. inserts a ``Reminder`` row per candidate (one INSERT … ON CONFLICT DO NOTHING: the unique
   (kind, target_id, step) makes a reminder exist once);
3. claims the candidates' rows that are unsent and unclaimed (or whose claim is older than an hour)
   with one conditional UPDATE that writes a new claim uuid. On PostgreSQL (READ COMMITTED) a
   concurrent sweep's UPDATE waits for ours and then finds the rows claimed, so it sends nothing;
4. sends the claimed rows over one mail connection, then marks the sent ones ``sent_at`` (one
   UPDATE) and gives the failed ones back with their error (one UPDATE), so the next sweep tries
   them again. A crash between sending and marking leaves the claim; it goes stale after an hour
   and the reminder is sent again: at most one duplicate, and the row shows it.

What a reminder is about (``target_id``): the application deadline is per call *and* county, so its
target is ``call_county_target(call, county)``: the call's id in the high 32 bits and the county's
in the low 32 bits of the 63-bit column. It is unique per pair, can be read back, and needs no extra
table; the county is also the row's ``organisation``. The others point to one row: the application
(awaiting confirmation; the step is the day it was sent, Norwegian time, so a new sending after a
return reminds again), the decision (acceptance, report deadline and overdue) or the repayment claim.

The texts are ``ReminderText`` rows that admins change (``reporting.views.reminders``), in bokmål and
nynorsk. Each county gets its reminder in its written standard: the text, the call's title and the
e-mail's subject prefix (the nynorsk text, or the bokmål one while its nynorsk is not written). Their
placeholders use Python's format syntax, ``{call}``, and an unknown one is left as written, so an
admin's typo never stops the sweep.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Case, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from grants.models import Application, Call, DeadlineExtension, Decision
from portal.dates import start_of_day
from portal.formats import kr
from portal.mail import compose
from portal.models import COUNTY_ROLES, Delegation, Membership, Organisation, Role
from reporting.models import (
    Reminder,
    ReminderKind,
    ReminderText,
    RepaymentClaim,
    accepted_grants,
    report_deadline_expression,
)
from reporting.reminder_texts import (  # noqa: F401  (the texts' API is offered here too)
    DEFAULT_TEXTS,
    placeholders,
    render_text,
    text_for,
    text_problems,
)

log = logging.getLogger(__name__)
K = ReminderKind

APPLICATION_STEPS = (14, 7, 1)  # days before the application deadline
REPORT_STEPS = (30, 7, 1)  # days before the report deadline
REPAYMENT_DAYS = 7  # days before a repayment's due date, then "overdue"
CONFIRMATION_AFTER = dt.timedelta(days=2)
ACCEPTANCE_AFTER = dt.timedelta(days=7)
# A report overdue longer than this gets no first reminder (the dashboard still counts it): the
# sweep's scan stays bounded, and the first sweep after a deploy does not mail about old years.
OVERDUE_LOOKBACK = dt.timedelta(days=90)
STALE_CLAIM = dt.timedelta(hours=1)
OVERDUE = "overdue"


# --- Candidates ---------------------------------------------------------------------------------


@dataclass
class Candidate:
    kind: str
    target_id: int
    step: str
    organisation_id: int
    letter_email: str
    due_at: dt.datetime
    link: str  # the page's path; the e-mail gets SITE_URL in front
    values: dict
    language: str = "nb"  # the county's written standard: the text, the call's title, the subject prefix
    confirmers: bool = False  # else the county's staff and directors
    extra: tuple[str, ...] = ()  # the application's contact person
    recipients: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.kind, self.target_id, self.step)


def _words(organisation: str, call: str) -> tuple[str, ...]:
    """The last columns of every candidate query: the county's written standard, and its name and the
    call's title in both standards (``organisation`` and ``call`` are the lookups' prefixes)."""
    county = ("written_standard", "name_nb", "name_nn")
    return (*(organisation + column for column in county), f"{call}title_nb", f"{call}title_nn")


def _split(row: tuple) -> tuple[tuple, str, dict]:
    """A candidate row's own columns, the county's written standard, and in it the county's name and the
    call's title (their bokmål where the nynorsk is not written)."""
    standard, name_nb, name_nn, title_nb, title_nn = row[-5:]
    language = standard or "nb"

    def pick(bokmal, nynorsk) -> str:
        return (nynorsk if language == "nn" and nynorsk else bokmal) or ""

    return row[:-5], language, {"organisation": pick(name_nb, name_nn), "call": pick(title_nb, title_nn)}


def call_county_target(call_id: int, organisation_id: int) -> int:
    """The application deadline's target: one number per call and county (see the module's doc)."""
    return (call_id << 32) | organisation_id


def _path(name: str, args: list, fallback: tuple[str, list] | None = None) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        if fallback is None:
            raise
        return reverse(fallback[0], args=fallback[1])


def _when(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def _day(moment: dt.datetime | dt.date) -> str:
    if isinstance(moment, dt.datetime):
        moment = timezone.localtime(moment)
    return moment.strftime("%d.%m.%Y")


def window(deadline: dt.datetime, now: dt.datetime, steps) -> int | None:
    """The smallest step (days before ``deadline``) whose window ``now`` has reached, if any."""
    left = deadline - now
    if left <= dt.timedelta(0):
        return None
    reached = [days for days in steps if left <= dt.timedelta(days=days)]
    return min(reached) if reached else None


def _days_left(deadline: dt.datetime, now: dt.datetime) -> str:
    return str(math.ceil((deadline - now) / dt.timedelta(days=1)))


def _county_deadline():
    """The county's own application deadline: the latest extension recorded, never before the call's."""
    extended = (
        DeadlineExtension.objects.filter(call=OuterRef("call_id"), organisation=OuterRef("organisation_id"))
        .order_by("-recorded_at", "-id")
        .values("deadline")[:1]
    )
    return Greatest("call__application_deadline", Coalesce(Subquery(extended), "call__application_deadline"))


def _application_deadlines(now: dt.datetime) -> list[Candidate]:
    """Each eligible county that has not submitted to a published, open call, in a window."""
    through = Call.eligible_organisations.through
    submitted = Application.objects.filter(
        call=OuterRef("call_id"), organisation=OuterRef("organisation_id"), state=Application.State.SUBMITTED
    )
    rows = (
        through.objects.filter(
            Q(call__opens_at__isnull=True) | Q(call__opens_at__lte=now),  # no opening time: open from publication
            call__is_published=True,
            organisation__kind=Organisation.Kind.COUNTY,
        )
        # Cheap first: calls still open, or with an extension that runs beyond now.
        .filter(
            Q(call__application_deadline__gt=now)
            | Q(call__in=DeadlineExtension.objects.filter(deadline__gt=now).values("call"))
        )
        .annotate(deadline=_county_deadline())
        .filter(deadline__gt=now, deadline__lte=now + dt.timedelta(days=max(APPLICATION_STEPS)))
        .exclude(Exists(submitted))
        .values_list(
            "call_id", "organisation_id", "organisation__letter_email", "deadline", *_words("organisation__", "call__")
        )
    )
    found = []
    for row in rows:
        (call_id, org_id, letter_email, deadline), language, values = _split(row)
        step = window(deadline, now, APPLICATION_STEPS)
        if step is None:
            continue
        values.update(deadline=_when(deadline), days=_days_left(deadline, now))
        target, link = call_county_target(call_id, org_id), _path("call_detail", [call_id])
        found.append(
            Candidate(K.APPLICATION_DEADLINE, target, str(step), org_id, letter_email, deadline, link, values, language)
        )
    return found


_APPLICATION_FIELDS = (
    "pk", "reference", "title", "sent_at", "organisation_id", "organisation__letter_email", "deadline",
    *_words("organisation__", "call__"),
)  # fmt: skip


def _awaiting_confirmation(now: dt.datetime) -> list[Candidate]:
    rows = (
        Application.objects.filter(state=Application.State.AWAITING_CONFIRMATION, sent_at__lte=now - CONFIRMATION_AFTER)
        .annotate(deadline=_county_deadline())
        .filter(deadline__gt=now)
        .values_list(*_APPLICATION_FIELDS)
    )
    found = []
    for row in rows:
        (pk, reference, title, sent_at, org_id, letter_email, deadline), language, values = _split(row)
        step = timezone.localtime(sent_at).date().isoformat()
        name = " ".join(part for part in (reference, title) if part)
        values.update(application=name, sent=_day(sent_at), deadline=_when(deadline))
        link = _path("application_detail", [pk])
        kind = K.AWAITING_CONFIRMATION
        found.append(Candidate(kind, pk, step, org_id, letter_email, deadline, link, values, language, confirmers=True))
    return found


def _grants():
    return Decision.objects.grants_in_force()


_DECISION_FIELDS = (
    "pk", "amount", "case__application_id", "case__application__contact_email",
    "case__application__organisation_id", "case__application__organisation__letter_email",
)  # fmt: skip
_DECISION_WORDS = _words("case__application__organisation__", "case__call__")


def _awaiting_acceptance(now: dt.datetime) -> list[Candidate]:
    rows = (
        _grants()
        .filter(accepted_at__isnull=True, letter__issued_at__lte=now - ACCEPTANCE_AFTER, report_deadline__gt=now)
        .values_list(*_DECISION_FIELDS, "letter__issued_at", *_DECISION_WORDS)
    )
    found = []
    for row in rows:
        (pk, amount, app_id, contact, org_id, letter_email, issued_at), language, values = _split(row)
        values.update(amount=kr(amount), issued=_day(issued_at))
        link, due = _path("decision_view", [app_id, pk]), issued_at + ACCEPTANCE_AFTER
        found.append(
            Candidate(
                K.AWAITING_ACCEPTANCE, pk, "7", org_id, letter_email, due, link, values, language, extra=(contact,)
            )
        )
    return found


def reports_not_delivered():
    """Accepted grants whose annual report is missing or not submitted (nor approved)."""
    return accepted_grants().filter(report_done=False).annotate(due=report_deadline_expression())


def _reports(now: dt.datetime) -> list[Candidate]:
    rows = (
        reports_not_delivered()
        .filter(due__gt=now - OVERDUE_LOOKBACK, due__lte=now + dt.timedelta(days=max(REPORT_STEPS)))
        .values_list(*_DECISION_FIELDS, "due", *_DECISION_WORDS)
    )
    found = []
    for row in rows:
        (pk, amount, app_id, contact, org_id, letter_email, due), language, values = _split(row)
        values.update(amount=kr(amount), deadline=_when(due))
        if due <= now:
            kind, step = K.REPORT_OVERDUE, OVERDUE
        else:
            kind, step = K.REPORT_DEADLINE, window(due, now, REPORT_STEPS)
            values["days"] = _days_left(due, now)
        link = _path("report_overview", [app_id, pk], fallback=("decision_view", [app_id, pk]))
        found.append(
            Candidate(kind, pk, str(step), org_id, letter_email, due, link, values, language, extra=(contact,))
        )
    return found


def _repayments(now: dt.datetime) -> list[Candidate]:
    today = timezone.localdate(now)
    rows = RepaymentClaim.objects.filter(
        state=RepaymentClaim.State.CLAIMED, due_date__lte=today + dt.timedelta(days=REPAYMENT_DAYS)
    ).values_list(
        "pk", "amount", "repaid_amount", "reference", "due_date", "decision_id", "case__application_id",
        "case__application__contact_email", "case__application__organisation_id",
        "case__application__organisation__letter_email", *_DECISION_WORDS,
    )  # fmt: skip
    found = []
    for row in rows:
        (pk, amount, repaid, reference, due_date, decision_id, app_id, contact, org_id, mail), language, values = (
            _split(row)
        )
        step = OVERDUE if due_date < today else str(REPAYMENT_DAYS)
        values.update(amount=kr(amount - repaid), reference=reference, deadline=_day(due_date))
        link = _path("repayment_view", [app_id, pk], fallback=("decision_view", [app_id, decision_id]))
        due = start_of_day(due_date)
        found.append(Candidate(K.REPAYMENT_DUE, pk, step, org_id, mail, due, link, values, language, extra=(contact,)))
    return found


def _add_recipients(candidates: list[Candidate], now: dt.datetime) -> None:
    """The county's official mailbox, then by kind its staff and directors (and the application's
    contact person) or those who may confirm: two queries for any number of counties."""
    org_ids = {c.organisation_id for c in candidates}
    members: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    for org_id, role, user_id, email in Membership.objects.filter(
        organisation_id__in=org_ids, role__in=COUNTY_ROLES, user__is_active=True
    ).values_list("organisation_id", "role", "user_id", "user__email"):
        members[org_id].append((user_id, role, email))
    delegates: dict[int, set[int]] = defaultdict(set)
    confirm_orgs = {c.organisation_id for c in candidates if c.confirmers}
    if confirm_orgs:  # the rule of portal.access.confirmers_for, for many counties at once
        for org_id, user_id in (
            Delegation.objects.valid_at(now)
            .filter(organisation_id__in=confirm_orgs)
            .values_list("organisation_id", "grantee_id")
        ):
            delegates[org_id].add(user_id)
    for c in candidates:
        people = members[c.organisation_id]
        if c.confirmers:
            chosen = [
                e for uid, role, e in people if role == Role.COUNTY_DIRECTOR or uid in delegates[c.organisation_id]
            ]
        else:
            chosen = [email for _uid, _role, email in people]
        seen: dict[str, str] = {}
        for address in [c.letter_email, *sorted(chosen), *c.extra]:
            if address and address.lower() not in seen:
                seen[address.lower()] = address
        c.recipients = list(seen.values())


def candidates_at(now: dt.datetime) -> list[Candidate]:
    found = []
    for collect in (_application_deadlines, _awaiting_confirmation, _awaiting_acceptance, _reports, _repayments):
        found += collect(now)
    if found:
        _add_recipients(found, now)
    return found


# --- The sweep ----------------------------------------------------------------------------------


def _keys(candidates: list[Candidate]) -> Q:
    """Rows with the candidates' keys: one ``target_id IN (…)`` per kind and step."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for c in candidates:
        groups[(c.kind, c.step)].append(c.target_id)
    condition = Q()
    for (kind, step), ids in groups.items():
        condition |= Q(kind=kind, step=step, target_id__in=ids)
    return condition


def _texts() -> dict[str, dict[str, tuple[str, str]]]:
    """kind -> written standard -> (subject, body), as the admins wrote them. A kind's nynorsk that is
    not written is left out: the county gets the bokmål."""
    texts: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    columns = ("kind", "subject_nb", "body_nb", "subject_nn", "body_nn")
    for kind, subject_nb, body_nb, subject_nn, body_nn in ReminderText.objects.values_list(*columns):
        if subject_nb and body_nb:
            texts[kind]["nb"] = (subject_nb, body_nb)
        if subject_nn and body_nn:
            texts[kind]["nn"] = (subject_nn, body_nn)
    return texts


def _message(c: Candidate, texts: dict[str, dict[str, tuple[str, str]]]) -> EmailMessage:
    """The reminder in the admins' words, in the county's written standard, the subject's prefix too
    (templates/reporting/email/reminder*.txt hold the words as they are); all in bokmål while the kind's
    nynorsk is not written."""
    written = texts.get(c.kind) or DEFAULT_TEXTS[c.kind]
    language = c.language if c.language in written else "nb"
    subject, body = written[language]
    values = {**c.values, "link": settings.SITE_URL + c.link}
    context = {"subject": render_text(subject, values), "body": render_text(body, values)}
    return compose("reporting/email/reminder", to=c.recipients, context=context, language=language)


def _claim_rows(candidates: list[Candidate], now: dt.datetime) -> tuple[uuid.UUID, list[tuple]]:
    """Insert a row per candidate (once), and claim the unsent, unclaimed (or stale) ones."""
    Reminder.objects.bulk_create(
        [
            Reminder(
                kind=c.kind,
                target_id=c.target_id,
                step=c.step,
                organisation_id=c.organisation_id,
                due_at=c.due_at,
                link=c.link,
            )  # fmt: skip
            for c in candidates
        ],
        ignore_conflicts=True,
    )
    claim = uuid.uuid4()
    claimable = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - STALE_CLAIM)
    ours = Reminder.objects.filter(_keys(candidates))  # by the unique index
    ours.filter(sent_at__isnull=True).filter(claimable).update(claim=claim, claimed_at=now, error="")
    return claim, list(ours.filter(claim=claim).values_list("pk", "kind", "target_id", "step"))


def _send(outgoing: list[tuple[int, Candidate]], texts: dict) -> tuple[dict[int, str], dict[int, str]]:
    """Send each claimed reminder over one connection: (sent: pk -> recipients, failed: pk -> error)."""
    sent: dict[int, str] = {}
    failed: dict[int, str] = {}
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # noqa: BLE001 - any failure to connect fails every message; the next sweep retries
        return sent, {pk: f"{type(error).__name__}: {error}" for pk, _c in outgoing}
    try:
        for pk, c in outgoing:
            try:
                if not c.recipients:
                    raise ValueError("no recipients")
                if connection.send_messages([_message(c, texts)]) != 1:
                    raise RuntimeError("the mail backend did not send the message")
                sent[pk] = ", ".join(c.recipients)
            except Exception as error:  # noqa: BLE001 - recorded on the row and retried next sweep
                failed[pk] = f"{type(error).__name__}: {error}"
    finally:
        connection.close()
    return sent, failed


def sweep_reminders(now: dt.datetime | None = None) -> dict:
    """Create, claim and send every reminder due at ``now``; each is sent once (see the module's
    doc). Returns counts: candidates, claimed, sent, failed."""
    now = now or timezone.now()
    candidates = candidates_at(now)
    result = {"candidates": len(candidates), "claimed": 0, "sent": 0, "failed": 0}
    if not candidates:
        return result
    claim, claimed = _claim_rows(candidates, now)
    result["claimed"] = len(claimed)
    if not claimed:
        return result
    by_key = {c.key: c for c in candidates}
    texts = _texts()
    outgoing = [(pk, by_key[(kind, target_id, step)]) for pk, kind, target_id, step in claimed]
    sent, failed = _send(outgoing, texts)
    if sent:
        Reminder.objects.filter(pk__in=list(sent), claim=claim).update(
            sent_at=now, error="", recipients=Case(*[When(pk=pk, then=Value(to)) for pk, to in sent.items()])
        )
    if failed:
        log.warning("%s reminders could not be sent; the next sweep tries again", len(failed))
        Reminder.objects.filter(pk__in=list(failed), claim=claim).update(
            claim=None, claimed_at=None, error=Case(*[When(pk=pk, then=Value(e[:2000])) for pk, e in failed.items()])
        )
    result.update(sent=len(sent), failed=len(failed))
    return result
