from __future__ import annotations

import redis
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal import access, audit, idle, services
from portal.audit import Actor
from portal.dashboard import panels_for
from portal.forms import ChooseRoleForm, DelegationForm
from portal.middleware import ACTIVE_MEMBERSHIP_SESSION_KEY
from portal.models import Delegation


@require_GET
def dashboard(request):
    return render(request, "portal/dashboard.html", {"panels": panels_for(request)})


@require_http_methods(["GET", "POST"])
def choose_role(request):
    if not request.memberships:
        access.has_role(None).or_403()
    form = ChooseRoleForm(request.POST or None, memberships=request.memberships)
    if request.method == "POST" and form.is_valid():
        membership = services.membership_choose(
            actor=Actor.from_request(request), membership_id=form.cleaned_data["membership"]
        )
        request.session[ACTIVE_MEMBERSHIP_SESSION_KEY] = membership.pk
        messages.success(
            request,
            _("Du handler nå i rollen %(role)s (%(org)s).")
            % {"role": membership.get_role_display(), "org": membership.organisation.name},
        )
        return redirect("dashboard")
    if not form.is_bound and request.membership:
        form.initial["membership"] = request.membership.pk
    return render(request, "portal/choose_role.html", {"form": form})


@require_http_methods(["GET", "POST"])
def delegation_list(request):
    membership = request.membership
    access.can_view_delegations(membership).or_403()
    may_manage = access.can_manage_delegations(membership)
    form = None
    if may_manage:
        form = DelegationForm(request.POST or None, organisation=membership.organisation, exclude_user=request.user)
    if request.method == "POST":
        may_manage.or_403()
        if form.is_valid():
            valid_from, valid_to = form.period
            try:
                delegation = services.delegation_grant(
                    actor=Actor.from_request(request),
                    grantee=form.cleaned_data["grantee"],
                    valid_from=valid_from,
                    valid_to=valid_to,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("%(name)s har fått fullmakt.") % {"name": delegation.grantee.full_name})
                return redirect("delegation_list")
    delegations = (
        access.scope_to_membership(Delegation.objects.all(), membership, org_field="organisation")
        .select_related("organisation", "grantor", "grantee", "revoked_by")
        .order_by("-valid_from", "-id")
    )
    return render(
        request,
        "portal/delegation_list.html",
        {"delegations": delegations, "form": form, "may_manage": may_manage},
    )


@require_GET
def delegation_detail(request, pk: int):
    delegation = access.get_delegation_for(request.membership, pk)
    return render(
        request,
        "portal/delegation_detail.html",
        {
            "delegation": delegation,
            "events": audit.history_for(delegation),
            "may_revoke": access.can_revoke_delegation(request.membership, delegation),
        },
    )


@require_POST
def delegation_revoke(request, pk: int):
    delegation = access.get_delegation_for(request.membership, pk, write=True)
    services.delegation_revoke(actor=Actor.from_request(request), delegation=delegation)
    messages.success(request, _("Fullmakten til %(name)s er trukket tilbake.") % {"name": delegation.grantee.full_name})
    return redirect("delegation_detail", pk=delegation.pk)


@require_GET
def audit_log(request):
    access.can_read_audit_log(request.membership).or_403()
    # No stored text holds a NUL (PostgreSQL refuses it, and asking for one is a server error): left out.
    query = request.GET.get("q", "").replace("\x00", "").strip()[:100]
    page = audit.log_page(
        audit.search(query), older_than=request.GET.get("eldre"), newer_than=request.GET.get("nyere"), size=50
    )
    return render(request, "portal/audit_log.html", {"page": page, "query": query})


@require_GET
def email_managed(request):
    """Replaces allauth's e-mail page: the address is the login, and IMDi's admins change it."""
    return render(request, "portal/email_managed.html")


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = {"database": "ok", "broker": "ok" if settings.REDIS_URL else "eager"}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        checks["database"] = "error"
    if settings.REDIS_URL:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
        try:
            client.ping()
        except redis.RedisError:
            checks["broker"] = "error"
        finally:
            client.close()
    healthy = "error" not in checks.values()
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@require_POST
def session_extend(request):
    """Keep the session alive (the page's "extend" button before it expires): the idle clock is
    wound now (portal.idle); the answer says when the session now expires."""
    idle.wind(request.session)
    return JsonResponse({"expires_in": idle.seconds_left(request.session)})
