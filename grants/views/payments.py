"""IMDi: the payments of accepted grants (R17, økonomiregelverket L4): propose a payment, attest it,
approve it (a budget holder), reject it; the grants and payments that wait; the payment files, made
from the approved payments, downloaded once and confirmed by the bank. The services and the
database keep the money right; the pages show why a button is missing."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, F, Q, Sum
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grants import permissions, services
from grants.access import get_batch_for, get_imdi_decision_for, get_payment_for
from grants.forms.payments import BatchConfirmForm, PaymentForm, PaymentRejectForm
from grants.models import Decision, Payment, PaymentBatch
from portal.audit import Actor
from portal.columns import translated
from portal.files import serve_file
from portal.formats import ZERO, kr
from portal.rules import Refused

LIST_SIZE = 200


@require_http_methods(["GET", "POST"])
def payment_create(request, pk: int):
    """Propose a payment of an accepted grant; it then waits for attestation and approval."""
    membership = request.membership
    decision = get_imdi_decision_for(membership, pk, write=request.method == "POST")
    committed = decision.payments.committed()
    form = PaymentForm(request.POST or None, left=decision.amount - committed)
    if request.method == "POST" and form.is_valid():
        try:
            payment = services.payment_propose(
                actor=Actor.from_request(request), decision_id=decision.pk, amount=form.cleaned_data["amount"]
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Utbetalingen på %(amount)s er foreslått. Den må attesteres og godkjennes.")
                % {"amount": kr(payment.amount)},
            )
            return redirect("payment_detail", payment.pk)
    context = {
        "decision": decision,
        "case": decision.case,
        "form": form,
        "pending": committed - decision.paid,
        "left": decision.amount - committed,
        "work": permissions.can_work_cases(membership),
        "payable": permissions.can_pay(decision),
        "payments": decision.payments.select_related("recorded_by"),
    }
    return render(request, "grants/payments/form.html", context)


def _detail_context(request, payment: Payment, *, reject_form=None) -> dict:
    membership, user = request.membership, request.user
    decision = payment.decision
    return {
        "payment": payment,
        "decision": decision,
        "case": decision.case,
        "attest": permissions.can_attest(membership, user, payment),
        "approve": permissions.can_approve_payment(membership, user, payment),
        "reject": permissions.can_reject_payment(membership, user, payment),
        "reject_form": reject_form or PaymentRejectForm(),
        "form": reject_form,  # for the error summary
        "holders": services.budget_holders(decision.case.call.scheme_id, payment.amount),
    }


@require_GET
def payment_detail(request, pk: int):
    payment = get_payment_for(request.membership, pk)
    return render(request, "grants/payments/detail.html", _detail_context(request, payment))


def _act(request, pk: int, service, done: str):
    """Take a step; a refusal is shown on the payment's page with its reason."""
    payment = get_payment_for(request.membership, pk, write=True)
    try:
        service(actor=Actor.from_request(request), payment_id=payment.pk)
    except Refused as refused:
        messages.error(request, str(refused))
        return render(request, "grants/payments/detail.html", _detail_context(request, payment))
    messages.success(request, done % {"amount": kr(payment.amount)})
    return redirect("payment_detail", payment.pk)


@require_POST
def payment_attest(request, pk: int):
    return _act(request, pk, services.payment_attest, _("Utbetalingen på %(amount)s er attestert."))


@require_POST
def payment_approve(request, pk: int):
    return _act(request, pk, services.payment_approve, _("Utbetalingen på %(amount)s er godkjent."))


@require_POST
def payment_reject(request, pk: int):
    payment = get_payment_for(request.membership, pk, write=True)
    form = PaymentRejectForm(request.POST)
    if form.is_valid():
        try:
            services.payment_reject(
                actor=Actor.from_request(request), payment_id=payment.pk, reason=form.cleaned_data["reason"]
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Utbetalingen er avvist."))
            return redirect("payment_detail", payment.pk)
    return render(request, "grants/payments/detail.html", _detail_context(request, payment, reject_form=form))


@require_GET
def payments_due(request):
    """What waits: payments to attest or approve, approved payments for the next file, and the grants
    not paid in full (the accepted ones first, the longest waiting at the top)."""
    membership = request.membership
    permissions.can_view_cases(membership).or_403()
    order = (F("accepted_at").asc(nulls_last=True), "approved_at", "pk")
    # The page's decisions first, by the partial index decision_payment_due: PostgreSQL cannot tell
    # how few grants are unpaid (``paid < amount``) and, asked for everything at once, read every
    # case and application to join them.
    due = Decision.objects.payments_due().order_by(*order).values("pk")[:LIST_SIZE]
    decisions = list(
        Decision.objects.filter(pk__in=due)
        .select_related("case", "case__application", "case__application__organisation", "case__call")
        # What the list shows, not the decisions', applications' and calls' long texts.
        .only(
            "amount",
            "paid",
            "accepted_at",
            "approved_at",
            "case__application__reference",
            *translated("case__application__organisation__name", "case__call__title"),
        )
        .annotate(committed=Sum("payments__amount", filter=~Q(payments__state=Payment.State.REJECTED), default=ZERO))
        .order_by(*order)
    )
    waiting = list(
        Payment.objects.filter(state__in=[Payment.State.PROPOSED, Payment.State.ATTESTED])
        .select_related("decision__case__application__organisation", "recorded_by", "attested_by")
        .order_by("recorded_at", "pk")[:LIST_SIZE]
    )
    ready = Payment.objects.ready_for_file().aggregate(n=Count("pk"), total=Sum("amount", default=ZERO))
    totals = {
        "amount": sum((d.amount for d in decisions), ZERO),
        "paid": sum((d.paid for d in decisions), ZERO),
        "outstanding": sum((d.outstanding for d in decisions), ZERO),
    }
    context = {"decisions": decisions, "totals": totals, "waiting": waiting, "ready": ready}
    return render(
        request, "grants/payments/due.html", {**context, "work": bool(permissions.can_work_cases(membership))}
    )


# --- Payment files ------------------------------------------------------------------------------


def _batches(request):
    batches = PaymentBatch.objects.select_related("created_by", "sent_by", "confirmed_by")[:LIST_SIZE]
    ready = Payment.objects.ready_for_file().aggregate(n=Count("pk"), total=Sum("amount", default=ZERO))
    context = {"batches": batches, "ready": ready, "work": bool(permissions.can_work_cases(request.membership))}
    return render(request, "grants/payments/batches.html", context)


@require_GET
def batch_list(request):
    permissions.can_view_cases(request.membership).or_403()
    return _batches(request)


@require_POST
def batch_create(request):
    permissions.can_work_cases(request.membership).or_403()
    try:
        batch = services.batch_create(actor=Actor.from_request(request))
    except Refused as refused:
        messages.error(request, str(refused))
        return _batches(request)
    messages.success(request, _("Betalingsfilen er laget med %(n)s utbetalinger.") % {"n": batch.count})
    return redirect("batch_detail", batch.pk)


def _batch_context(request, batch: PaymentBatch, *, form=None) -> dict:
    membership = request.membership
    return {
        "batch": batch,
        "payments": batch.payments.select_related("decision__case__application__organisation").order_by("pk")[
            :LIST_SIZE
        ],
        "send": permissions.can_send_batch(membership, batch),
        "confirm": permissions.can_confirm_batch(membership, batch),
        "form": form or BatchConfirmForm(),
    }


@require_GET
def batch_detail(request, pk: int):
    batch = get_batch_for(request.membership, pk)
    return render(request, "grants/payments/batch.html", _batch_context(request, batch))


@require_POST
def batch_download(request, pk: int):
    """The file goes to the bank once: downloading it marks the batch sent."""
    batch = get_batch_for(request.membership, pk, write=True)
    try:
        batch = services.batch_send(actor=Actor.from_request(request), batch_id=batch.pk)
    except Refused as refused:
        messages.error(request, str(refused))
        return render(request, "grants/payments/batch.html", _batch_context(request, batch))
    return serve_file(batch.file, filename=f"{batch.message_id}.xml", content_type="application/xml")


@require_POST
def batch_confirm(request, pk: int):
    batch = get_batch_for(request.membership, pk, write=True)
    form = BatchConfirmForm(request.POST)
    if form.is_valid():
        try:
            services.batch_confirm(
                actor=Actor.from_request(request),
                batch_id=batch.pk,
                paid_on=form.cleaned_data["paid_on"],
                bank_reference=form.cleaned_data["bank_reference"],
            )
        except Refused as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Bankens bekreftelse er registrert. Utbetalingene er markert som utbetalt."))
            return redirect("batch_detail", batch.pk)
    return render(request, "grants/payments/batch.html", _batch_context(request, batch, form=form))
