"""The cooperation agreements of a draft application (R6): add a signed agreement, take one out."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from grants.models import CooperationAgreement
from grants.permissions import can_edit
from grants.services.applications import lock_application, record
from portal.audit import Actor


def agreement_add(*, actor: Actor, application_id: int, partner_kind: str, partner_name: str, upload, checked):
    with transaction.atomic():
        application = lock_application(application_id)
        can_edit(actor.membership, application, timezone.now()).or_refuse()
        agreement = CooperationAgreement(application=application, partner_kind=partner_kind, partner_name=partner_name)
        agreement.attach(upload, checked, by=actor.user)
        agreement.save()
        record(
            actor,
            application,
            "agreement_added",
            agreement=agreement.pk,
            partner_kind=partner_kind,
            partner_name=partner_name,
            file=checked.original_name,
            sha256=checked.sha256,
        )
    return agreement


def agreement_remove(*, actor: Actor, application_id: int, agreement_id: int) -> None:
    """Take an agreement out of the draft. The file is kept: an earlier submission may list it."""
    with transaction.atomic():
        application = lock_application(application_id)
        can_edit(actor.membership, application, timezone.now()).or_refuse()
        agreement = application.agreements.get(pk=agreement_id, removed_at__isnull=True)
        agreement.removed_at = timezone.now()
        agreement.save(update_fields=["removed_at"])
        record(
            actor,
            application,
            "agreement_removed",
            agreement=agreement.pk,
            partner_name=agreement.partner_name,
            sha256=agreement.sha256,
        )
