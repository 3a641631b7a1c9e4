"""Template filters and tags; what they show is decided in portal.formats, portal.audit and the
apps' workflows.py (a state's tone sits beside its workflow table)."""

import re
from functools import cache

from django import template
from django.utils.html import format_html

from portal import audit, formats
from portal.models import Role
from portal.workflows import workflow_of

register = template.Library()


# A word longer than this (a pasted link or string) gets a break opportunity after every so many characters.
LONG_WORD = 30
_LONG_WORD = re.compile(rf"\S{{{LONG_WORD + 1},}}")
ZERO_WIDTH_SPACE = "\u200b"


@register.filter
def breakable(value) -> str:
    """User text for a PDF: long unbroken words get invisible break opportunities. WeasyPrint lays out
    one unbroken word in a time that grows with the square of its length (40,000 characters took
    23 s); broken up, the same text takes well under a second. The text itself is unchanged."""
    if value is None or value == "":
        return value

    def split(match: re.Match) -> str:
        word = match.group(0)
        return ZERO_WIDTH_SPACE.join(word[i : i + LONG_WORD] for i in range(0, len(word), LONG_WORD))

    return _LONG_WORD.sub(split, str(value))


@register.filter
def kr(value) -> str:
    return formats.kr(value)


@register.filter
def action_label(action: str) -> str:
    return audit.action_label(action)


@register.filter
def state_label(state: str) -> str:
    return audit.state_label(state)


@register.filter
def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


@cache
def _state_labels(model) -> dict:
    """The state field's labels (lazy, so translated when shown): ``get_state_display`` rebuilds this
    dict on every call, and a list shows a state per row (issue 16)."""
    return dict(model._meta.get_field("state").flatchoices)


@register.simple_tag
def status_tag(obj, label=None):
    """A state as a tag in words, coloured by the tone its workflow table gives it:
    ``{% status_tag case %}``, or ``{% status_tag report _("Venter på IMDi") %}`` for other words."""
    workflow = workflow_of(obj)
    tone = workflow.tone(obj.state) if workflow else ""
    text = label if label is not None else _state_labels(type(obj)).get(obj.state, obj.state)
    if tone:
        return format_html('<span class="status-tag status-{}">{}</span>', tone, text)
    return format_html('<span class="status-tag">{}</span>', text)
