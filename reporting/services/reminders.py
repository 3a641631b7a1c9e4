"""The reminders' texts, which admins change in the portal (the reminders themselves are sent by the
sweep in ``reporting.reminders``)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from portal import audit
from portal.audit import Actor
from portal.rules import Refused
from reporting.models import ReminderKind, ReminderText
from reporting.permissions import can_change_texts
from reporting.reminder_texts import DEFAULT_TEXTS, text_problems


def reminder_text_change(*, actor: Actor, kind: str, subject: str, body: str) -> ReminderText:
    """Change the subject and body of ``kind``'s reminder (admins only); the audit event keeps both
    versions of what changed."""
    can_change_texts(actor.membership).or_403()
    if kind not in ReminderKind.values:
        raise Refused(gettext("Det finnes ingen slik påminnelse."))
    for value in (subject, body):
        problem = text_problems(kind, value)
        if problem:
            raise Refused(problem)
    with transaction.atomic():
        text = ReminderText.objects.select_for_update().filter(kind=kind).first()
        if text is None:
            default_subject, default_body = DEFAULT_TEXTS[kind]
            text = ReminderText.objects.create(kind=kind, subject=default_subject, body=default_body)
        changes = {
            name: [getattr(text, name), new]
            for name, new in (("subject", subject), ("body", body))
            if getattr(text, name) != new
        }
        if not changes:
            return text
        text.subject, text.body, text.updated_by = subject, body, actor.user
        text.save(update_fields=["subject", "body", "updated_by", "updated_at"])
        audit.record(actor=actor, action="reminder_text.changed", obj=text, changes=changes)
    return text
