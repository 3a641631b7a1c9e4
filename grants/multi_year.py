"""The circular's multi-year rules (R16, R18), in one place:

- a grant is for one year at a time and the project period is at most four years (the call's
  ``max_project_years``): the years a county has a grant in force in the scheme's calls are counted,
  the year being decided included, and a grant that would make more is refused;
- carry-over of unused funds is for a project whose period runs past the year
  (``Application.runs_past_year``; reporting refuses the request and the approval otherwise);
- IMDi's assessment of next year's application shows the carry-over asked for beside the unused
  amount in the previous year's approved accounts. The accounts belong to reporting, which grants
  may not import: reporting registers the function that reads them in ``PREVIOUS_UNUSED`` (its
  AppConfig), as it registers the carry-over prefill.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from grants.models import Application, Case, Decision
from portal.formats import kr
from portal.models import Organisation
from portal.rules import Verdict, allow, deny

# reporting.apps registers one function: the unused amount in the county's approved accounts for the
# scheme's call of the year before the application's, or None when there are none.
PREVIOUS_UNUSED: list[Callable[[Application], Decimal | None]] = []


def lock_county(organisation_id: int) -> None:
    """The county's row: grants approved at once in two of the scheme's calls take turns, so that the
    second counts the first."""
    list(Organisation.objects.select_for_update().filter(pk=organisation_id).values_list("pk"))


def within_project_years(case: Case) -> Verdict:
    """A grant in ``case`` may not make the county's funded years in the scheme more than the
    project period allows (R16: one year at a time, at most four years)."""
    call = case.call
    funded = Decision.objects.funded_years(case.application.organisation_id, call.scheme_id)
    years = sorted(funded | {call.year})
    if len(years) <= call.max_project_years:
        return allow()
    return deny(
        _(
            "Fylkeskommunen har allerede fått tilskudd fra ordningen for %(funded)s. Et tilskudd for %(year)s "
            "gir %(count)s år, men prosjektperioden kan være høyst %(max)s år. Tilskuddet kan ikke gis."
        )
        % {
            "funded": ", ".join(str(y) for y in sorted(funded)),
            "year": call.year,
            "count": len(years),
            "max": call.max_project_years,
        }
    )


@dataclass(frozen=True)
class CarryOverCheck:
    """The carry-over the application asks for beside the unused amount in last year's approved
    accounts (``unused`` is None when there are no approved accounts for last year)."""

    asked: Decimal
    unused: Decimal | None
    previous_year: int

    @property
    def differs(self) -> bool:
        return self.asked != (self.unused if self.unused is not None else Decimal("0"))


def carry_over_check(application: Application, asked: Decimal | None = None) -> CarryOverCheck | None:
    """What IMDi's assessment shows of the carry-over (R18). ``asked``: the amount in the version
    being assessed (the application's own field otherwise). None when nothing is asked for and
    there is nothing unused to compare."""
    asked = application.carry_over_amount if asked is None else asked
    unused = None
    for read in PREVIOUS_UNUSED:
        unused = read(application)
    if not asked and not unused:
        return None
    return CarryOverCheck(asked=asked, unused=unused, previous_year=application.call.year - 1)


def carry_over_difference(check: CarryOverCheck) -> str:
    """The flag, in words, when the amounts differ."""
    if not check.differs:
        return ""
    if check.unused is None:
        return _(
            "Søknaden oppgir %(asked)s i overførte midler, men det finnes ikke godkjent regnskap for %(year)s "
            "med ubrukte midler."
        ) % {"asked": kr(check.asked), "year": check.previous_year}
    return _(
        "Overføringen i søknaden (%(asked)s) er ikke lik de ubrukte midlene i det godkjente regnskapet for "
        "%(year)s (%(unused)s). Avviket er %(difference)s."
    ) % {
        "asked": kr(check.asked),
        "year": check.previous_year,
        "unused": kr(check.unused),
        "difference": kr(abs(check.asked - check.unused)),
    }
