"""The county's appeal against a dismissal (R15), what came of it, and its attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.models.cases import Case, appeal_upload_to
from grants.models.decisions import Decision
from portal.files import StoredFile

USER = settings.AUTH_USER_MODEL


class Appeal(models.Model):
    """The county's appeal against a dismissal (R15), and what came of it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Mottatt")
        REVERSED = "reversed", _("Omgjort av IMDi")
        FORWARDED = "forwarded", _("Sendt departementet")
        UPHELD = "upheld", _("Departementet opprettholdt vedtaket")
        MINISTRY_REVERSED = "ministry_reversed", _("Departementet omgjorde vedtaket")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.RECEIVED)
    reasons = models.TextField(_("hvorfor dere klager"))
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField(_("mottatt"))
    deadline = models.DateField(_("klagefrist"))
    is_late = models.BooleanField(_("kom for sent"), default=False)
    reversal_reason = models.TextField(_("begrunnelse for omgjøringen"), blank=True)
    cover_note = models.TextField(_("oversendelsesbrev til departementet"), blank=True)
    forwarded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    forwarded_at = models.DateTimeField(_("sendt departementet"), null=True, blank=True)
    outcome_note = models.TextField(_("departementets avgjørelse"), blank=True)
    decided_on = models.DateField(_("avgjort"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("registrert avgjort"), null=True, blank=True)

    class Meta:
        verbose_name = _("klage")
        verbose_name_plural = _("klager")
        ordering = ["case", "filed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(state__in=["received", "forwarded"]), name="appeal_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{_('Klage')} – {self.case}"


class AppealAttachment(StoredFile):
    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(_("vedlegg"), upload_to=appeal_upload_to, max_length=200)

    class Meta:
        verbose_name = _("vedlegg til klage")
        verbose_name_plural = _("vedlegg til klager")
        ordering = ["appeal", "uploaded_at", "id"]
