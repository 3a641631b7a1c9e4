"""IMDi: how one hears of events in the calls one follows, at once or in a daily digest (issue 13)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grants import permissions, services
from grants.forms.notices import NoticeChoiceForm
from portal.audit import Actor, history_for
from portal.rules import Refused


@require_http_methods(["GET", "POST"])
def notice_preferences(request):
    membership = request.membership
    permissions.can_read_notice_choices(membership).or_403()
    may_change = permissions.can_choose_notices(membership)
    calls = services.followable_calls(membership.organisation)
    initial = {
        "choice": request.user.notice_choice,
        "calls": sorted(services.followed_call_ids(request.user, membership.organisation)),
    }
    form = NoticeChoiceForm(request.POST or None, initial=initial, calls=calls)
    if request.method == "POST":
        may_change.or_403()
        if form.is_valid():
            try:
                changed = services.notice_choice_set(
                    actor=Actor.from_request(request),
                    choice=form.cleaned_data["choice"],
                    call_ids=[call.pk for call in form.cleaned_data["calls"]],
                )
            except Refused as refused:
                form.add_error(None, str(refused))
            else:
                messages.success(request, _("Varslene er lagret.") if changed else _("Ingenting er endret."))
                return redirect("notice_preferences")
    context = {"form": form, "may_change": may_change, "history": list(history_for(request.user))}
    return render(request, "grants/notices/preferences.html", context)
