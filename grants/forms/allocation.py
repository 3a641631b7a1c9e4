"""The form of IMDi's allocation page (R5). It validates what was typed; ``services.allocation_set``
and the database have the last word on the pot."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _

from grants.forms.fields import AmountField
from grants.models import Case


class AllocationForm(forms.Form):
    """The amount allocated to one case, one small form per row of the allocation page. The ids
    carry the case's number, so that the page's labels and error links point at the right row."""

    amount = AmountField()

    def __init__(self, *args, case: Case, **kwargs):
        kwargs.setdefault("auto_id", f"case-{case.pk}-%s")
        kwargs.setdefault("initial", {"amount": case.allocated})
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["amount"].label = _("Fordelt til %(county)s") % {"county": case.application.organisation.name}
