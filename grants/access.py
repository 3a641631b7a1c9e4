"""Who may see which application. County members see their own county's; IMDi's roles see the
applications that have been submitted (a draft is the county's working paper until then)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from grants.models import Application, Submission
from portal.access import Decision, allow, deny, forbid_writes_for_readers, has_role
from portal.models import COUNTY_ROLES, IMDI_ROLES, Membership


def can_view_applications(membership: Membership | None) -> Decision:
    return has_role(membership, *COUNTY_ROLES, *IMDI_ROLES)


def applications_for(membership: Membership | None) -> QuerySet[Application]:
    if membership is None:
        return Application.objects.none()
    if membership.role in IMDI_ROLES:
        return Application.objects.filter(Exists(Submission.objects.filter(application=OuterRef("pk"))))
    if membership.role in COUNTY_ROLES:
        return Application.objects.filter(organisation_id=membership.organisation_id)
    return Application.objects.none()


def get_application_for(membership: Membership | None, pk: int, *, write: bool = False) -> Application:
    """The application, or 404 when it does not exist for this membership; 403 for a role that
    may not see applications at all, or an auditor who tries to change one."""
    can_view_applications(membership).or_403()
    application = get_object_or_404(
        applications_for(membership).select_related("call", "call__scheme", "organisation", "sent_by"), pk=pk
    )
    if write:
        forbid_writes_for_readers(membership).or_403()
        has_role(membership, *COUNTY_ROLES).or_403()  # only the applicant county changes an application
    return application


def can_read_current(membership: Membership | None, application: Application) -> Decision:
    """The county reads its application as it is now; IMDi only as it was submitted. After a
    withdrawal for correction, IMDi sees the submitted versions, not the draft being corrected."""
    if membership is not None and membership.role in COUNTY_ROLES:
        return allow()
    if application.state == Application.State.SUBMITTED:
        return allow()
    return deny(
        _(
            "Søknaden er trukket tilbake for retting og ikke sendt inn på nytt. IMDi ser den slik den ble "
            "sendt inn (se innsendte versjoner)."
        )
    )


def submitted_agreement_ids(application: Application) -> set[int]:
    """The agreements listed in any version the county submitted."""
    return {
        agreement["id"]
        for snapshot in application.submissions.values_list("snapshot", flat=True)
        for agreement in snapshot.get("agreements", [])
    }
