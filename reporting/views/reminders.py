"""The reminder texts: IMDi reads them, admins change them (the reminders themselves are sent by the
sweep in ``reporting.reminders``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.audit import Actor, history_for
from portal.models import Organisation
from portal.rules import Refused
from reporting import services
from reporting.forms.reminders import ReminderTextForm
from reporting.models import ReminderKind, ReminderText
from reporting.permissions import can_change_texts, can_read_texts
from reporting.reminder_texts import LANGUAGES, default_columns, placeholders, render_text, text_for


@require_GET
def reminder_text_list(request):
    can_read_texts(request.membership).or_403()
    saved = {t.kind: t for t in ReminderText.objects.select_related("updated_by")}
    texts = []
    for kind, label in ReminderKind.choices:
        text = saved.get(kind) or ReminderText(kind=kind, **default_columns(kind))
        texts.append((kind, label, text))
    return render(
        request,
        "reporting/reminders/text_list.html",
        {"texts": texts, "may_change": can_change_texts(request.membership)},
    )


def _versions(text: ReminderText, kind: str) -> list[dict]:
    """The saved text in each written standard, and as a county of that standard gets it, filled in with
    the placeholders' examples (an empty nynorsk text is sent in bokmål)."""
    examples = {name: example for name, _label, example in placeholders(kind)}
    versions = []
    for language, name in Organisation.WrittenStandard.choices:
        subject, body = getattr(text, f"subject_{language}") or "", getattr(text, f"body_{language}") or ""
        versions.append(
            {
                "language": language,
                "name": name,
                "subject": subject,
                "body": body,
                "preview_language": language if subject or body else "nb",
                "preview_subject": render_text(subject or text.subject_nb or "", examples),
                "preview_body": render_text(body or text.body_nb or "", examples),
            }
        )
    return versions


@require_http_methods(["GET", "POST"])
def reminder_text_edit(request, kind: str):
    can_read_texts(request.membership).or_403()
    if kind not in ReminderKind.values:
        raise Http404
    may_change = can_change_texts(request.membership)
    text = text_for(kind)
    if request.method == "POST":
        may_change.or_403()
        form = ReminderTextForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                services.reminder_text_change(actor=Actor.from_request(request), kind=kind, **form.cleaned_data)
            except Refused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, _("Teksten er lagret. Neste påminnelse bruker den."))
                return redirect("reminder_text_list")
    else:
        columns = [f"{field}_{language}" for language in LANGUAGES for field in ("subject", "body")]
        form = ReminderTextForm(initial={name: getattr(text, name) for name in columns}, kind=kind)
    return render(
        request,
        "reporting/reminders/text_edit.html",
        {
            "kind": kind,
            "label": ReminderKind(kind).label,
            "text": text,
            "form": form if may_change else None,
            "may_change": may_change,
            "placeholders": placeholders(kind),
            "versions": _versions(text, kind),
            "history": list(history_for(text)) if text.pk else [],
        },
    )
