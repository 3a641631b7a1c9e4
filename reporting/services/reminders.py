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
from reporting.reminder_texts import default_columns, text_problems


def reminder_text_change(
    *, actor: Actor, kind: str, subject_nb: str, body_nb: str, subject_nn: str, body_nn: str
) -> ReminderText:
    """Change the subject and body of ``kind``'s reminder in bokmål and nynorsk (admins only); the audit
    event keeps both versions of what changed."""
    can_change_texts(actor.membership).or_403()
    if kind not in ReminderKind.values:
        raise Refused(gettext("Det finnes ingen slik påminnelse."))
    new = {"subject_nb": subject_nb, "body_nb": body_nb, "subject_nn": subject_nn, "body_nn": body_nn}
    for value in new.values():
        problem = text_problems(kind, value)
        if problem:
            raise Refused(problem)
    with transaction.atomic():
        text = ReminderText.objects.select_for_update().filter(kind=kind).first()
        if text is None:
            text = ReminderText.objects.create(kind=kind, **default_columns(kind))
        changes = {name: [getattr(text, name), value] for name, value in new.items() if getattr(text, name) != value}
        if not changes:
            return text
        for name, value in new.items():
            setattr(text, name, value)
        text.updated_by = actor.user
        text.save(update_fields=[*new, "subject", "body", "updated_by", "updated_at"])
        audit.record(actor=actor, action="reminder_text.changed", obj=text, changes=changes)
    return text
