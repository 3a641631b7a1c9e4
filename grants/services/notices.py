"""How someone at IMDi hears of events (issue 13): at once, an e-mail for each, or one e-mail a day,
and which of their organisation's calls they follow (grants.notices, grants.notice_digest)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from grants.models import Call, CallFollow
from grants.permissions import can_choose_notices
from portal import audit
from portal.audit import Actor
from portal.models import Organisation, User
from portal.rules import Refused


def followable_calls(owner: Organisation) -> QuerySet[Call]:
    """The calls one may follow: those of the schemes ``owner`` has, the newest first."""
    return Call.objects.filter(scheme__owner=owner).select_related("scheme").order_by("-year", "title", "pk")


def followed_call_ids(user: User, owner: Organisation) -> set[int]:
    return set(CallFollow.objects.filter(user=user, call__scheme__owner=owner).values_list("call_id", flat=True))


def notice_choice_set(*, actor: Actor, choice: str, call_ids: Iterable[int]) -> bool:
    """The actor hears of events at once or in the daily digest (``choice``), and follows exactly
    ``call_ids`` among their organisation's calls. Records what changed; False when nothing did."""
    can_choose_notices(actor.membership).or_refuse()
    if choice not in User.NoticeChoice.values:
        raise Refused(_("Velg om du vil ha e-post med en gang eller én gang om dagen."))
    owner = actor.membership.organisation
    titles = dict(followable_calls(owner).values_list("pk", "title"))
    chosen = set(call_ids)
    if not chosen <= titles.keys():
        raise Refused(_("Du kan bare følge utlysningene til %(org)s.") % {"org": owner.name})
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=actor.user.pk)
        following = followed_call_ids(user, owner)
        added, removed = chosen - following, following - chosen
        if not added and not removed and user.notice_choice == choice:
            return False
        CallFollow.objects.filter(user=user, call_id__in=removed).delete()
        CallFollow.objects.bulk_create([CallFollow(user=user, call_id=pk) for pk in sorted(added)])
        changes = {"choice": choice}
        if user.notice_choice != choice:
            changes["previous"] = user.notice_choice
            user.notice_choice = choice
            user.save(update_fields=["notice_choice"])
        if added:
            changes["followed"] = sorted(titles[pk] for pk in added)
        if removed:
            changes["unfollowed"] = sorted(titles[pk] for pk in removed)
        audit.record(actor=actor, action="notices.changed", obj=user, changes=changes)
    return True
