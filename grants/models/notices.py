"""What IMDi's caseworkers want to hear of (issue 13): the calls each follows, and the daily digest of
yesterday's events, claimed per person per day so that it is sent once (grants.notices)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from grants.models.calls import Call

USER = settings.AUTH_USER_MODEL


class CallFollow(models.Model):
    """Someone at IMDi follows a call: told of its new submissions, appeals, county comments,
    acceptances and reports, at once or in the daily digest (``User.notice_choice``)."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="call_follows")
    call = models.ForeignKey(Call, on_delete=models.CASCADE, related_name="follows", verbose_name=_("utlysning"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("fulgt utlysning")
        verbose_name_plural = _("fulgte utlysninger")
        ordering = ["user", "call"]
        constraints = [models.UniqueConstraint(fields=["user", "call"], name="call_follow_once")]

    def __str__(self) -> str:
        return f"{self.user} – {self.call}"


class NoticeDigest(models.Model):
    """One person's digest of one day's events: the row is made by whichever sweep comes first and
    claimed on ``sent_at`` (portal.mail.send_message_once), so two sweeps send it once."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notice_digests")
    day = models.DateField(_("dag"))
    events = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("daglig sammendrag")
        verbose_name_plural = _("daglige sammendrag")
        ordering = ["-day", "user"]
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="notice_digest_once_a_day")]

    def __str__(self) -> str:
        return f"{self.user} – {self.day:%d.%m.%Y}"
