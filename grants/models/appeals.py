"""The county's appeal against a dismissal (R15), what came of it, and its attachments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from grants.models.applications import Channel
from grants.models.cases import Case, appeal_upload_to
from grants.models.decisions import Decision, IssuedLetter
from portal.files import StoredFile
from portal.limits import text_field

USER = settings.AUTH_USER_MODEL


class Appeal(models.Model):
    """The county's appeal against a dismissal (R15), and what came of it."""

    class State(models.TextChoices):
        RECEIVED = "received", _("Mottatt")
        REVERSED = "reversed", _("Omgjort av IMDi")
        FORWARDED = "forwarded", _("Sendt departementet")
        UPHELD = "upheld", _("Departementet opprettholdt vedtaket")
        MINISTRY_REVERSED = "ministry_reversed", _("Departementet omgjorde vedtaket")
        DISMISSED = "dismissed", _("Avvist av IMDi")

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    state = models.CharField(_("status"), max_length=20, choices=State.choices, default=State.RECEIVED)
    reasons = text_field(_("hvorfor dere klager"))
    # Filed in the portal by someone in the county, or registered by IMDi from e-mail or post.
    filed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    filed_at = models.DateTimeField(_("mottatt"))
    channel = models.CharField(_("mottatt via"), max_length=10, choices=Channel.choices, default=Channel.PORTAL)
    registered_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    deadline = models.DateField(_("klagefrist"))
    is_late = models.BooleanField(_("kom for sent"), default=False)
    reversal_reason = text_field(_("begrunnelse for omgjøringen"), blank=True)
    # IMDi dismisses an appeal that came too late or from someone without legal interest (fvl. § 33
    # andre ledd): itself an enkeltvedtak the county may appeal to the ministry.
    dismissal_reason = text_field(_("begrunnelse for avvisningen"), blank=True)
    cover_note = text_field(_("oversendelsesbrev til departementet"), blank=True)
    forwarded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    forwarded_at = models.DateTimeField(_("sendt departementet"), null=True, blank=True)
    outcome_note = text_field(_("departementets avgjørelse"), blank=True)
    decided_on = models.DateField(_("avgjort"), null=True, blank=True)
    closed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    closed_at = models.DateTimeField(_("registrert avgjort"), null=True, blank=True)
    # Each e-mail about the appeal is sent once, claimed here (grants.appeal_notices): IMDi told that it
    # came, the county told that it was forwarded to the ministry, and that it was decided.
    received_notified_at = models.DateTimeField(null=True, blank=True)
    forwarded_notified_at = models.DateTimeField(null=True, blank=True)
    outcome_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("klage")
        verbose_name_plural = _("klager")
        ordering = ["case", "filed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision"], condition=Q(state__in=["received", "forwarded"]), name="appeal_one_open"
            ),
            models.CheckConstraint(
                condition=(Q(channel="portal") & Q(filed_by__isnull=False))
                | (~Q(channel="portal") & Q(registered_by__isnull=False)),
                name="appeal_filed_or_registered",
            ),
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


class AppealLetter(IssuedLetter):
    """A letter about an appeal, rendered once like a decision's letter: IMDi's dismissal of the appeal
    (an enkeltvedtak with its own appeal rights), or the letter forwarding it to the ministry, of which
    the county gets a copy. A dismissal of an appeal may itself be appealed within three weeks
    (``appeal_deadline``, fvl. §§ 28, 29)."""

    class Kind(models.TextChoices):
        DISMISSAL = "dismissal", _("Vedtak om avvisning av klage")
        FORWARDING = "forwarding", _("Oversendelse av klage")

    appeal = models.ForeignKey(Appeal, on_delete=models.PROTECT, related_name="letters")
    kind = models.CharField(_("type brev"), max_length=20, choices=Kind.choices)
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("brev om klage")
        verbose_name_plural = _("brev om klager")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["id"], condition=~Q(status="ready"), name="appeal_letter_unfinished")]
        constraints = [
            models.UniqueConstraint(fields=["appeal", "kind"], name="appeal_letter_one_per_kind"),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(sha256="") & Q(issued_at__isnull=False)),
                name="appeal_letter_ready_has_file",
            ),
        ]
