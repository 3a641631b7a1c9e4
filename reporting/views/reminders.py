"""The reminder texts: IMDi reads them, admins change them (the reminders themselves are sent by the
sweep in ``reporting.reminders``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from grants.services import Refused
from portal.audit import Actor, history_for
from reporting import reminders
from reporting.models import ReminderKind, ReminderText


class ReminderTextForm(forms.Form):
    subject = forms.CharField(label=gettext_lazy("Emne"), max_length=200)
    body = forms.CharField(label=gettext_lazy("Tekst"), widget=forms.Textarea(attrs={"rows": 14}), max_length=10000)

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind = kind
        names = ", ".join("{" + name + "}" for name, _label, _example in reminders.placeholders(kind))
        self.fields["body"].help_text = _("Plassholdere du kan bruke: %(names)s.") % {"names": names}

    def _checked(self, name: str) -> str:
        value = self.cleaned_data[name]
        problem = reminders.text_problems(self.kind, value)
        if problem:
            raise ValidationError(problem)
        return value

    def clean_subject(self) -> str:
        return " ".join(self._checked("subject").split())

    def clean_body(self) -> str:
        return self._checked("body").replace("\r\n", "\n")


@require_GET
def reminder_text_list(request):
    reminders.can_read_texts(request.membership).or_403()
    saved = {t.kind: t for t in ReminderText.objects.select_related("updated_by")}
    texts = []
    for kind, label in ReminderKind.choices:
        text = saved.get(kind)
        if text is None:
            subject, body = reminders.DEFAULT_TEXTS[kind]
            text = ReminderText(kind=kind, subject=subject, body=body)
        texts.append((kind, label, text))
    return render(
        request,
        "reporting/reminders/text_list.html",
        {"texts": texts, "may_change": reminders.can_change_texts(request.membership)},
    )


@require_http_methods(["GET", "POST"])
def reminder_text_edit(request, kind: str):
    reminders.can_read_texts(request.membership).or_403()
    if kind not in ReminderKind.values:
        raise Http404
    may_change = reminders.can_change_texts(request.membership)
    text = reminders.text_for(kind)
    if request.method == "POST":
        may_change.or_403()
        form = ReminderTextForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                reminders.reminder_text_change(actor=Actor.from_request(request), kind=kind, **form.cleaned_data)
            except Refused as refused:
                messages.error(request, str(refused))
            else:
                messages.success(request, _("Teksten er lagret. Neste påminnelse bruker den."))
                return redirect("reminder_text_list")
    else:
        form = ReminderTextForm(initial={"subject": text.subject, "body": text.body}, kind=kind)
    examples = {name: example for name, _label, example in reminders.placeholders(kind)}
    preview = {
        "subject": reminders.render_text(text.subject, examples),
        "body": reminders.render_text(text.body, examples),
    }
    return render(
        request,
        "reporting/reminders/text_edit.html",
        {
            "kind": kind,
            "label": ReminderKind(kind).label,
            "text": text,
            "form": form if may_change else None,
            "may_change": may_change,
            "placeholders": reminders.placeholders(kind),
            "preview": preview,
            "history": list(history_for(text)) if text.pk else [],
        },
    )


urlpatterns = [
    path("admin-tekster/paminnelser/", reminder_text_list, name="reminder_text_list"),
    path("admin-tekster/paminnelser/<slug:kind>/", reminder_text_edit, name="reminder_text_edit"),
]
