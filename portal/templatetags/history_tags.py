"""``{% load history_tags %}``: a history's events as people read them (portal.history)."""

from django import template

from portal import history

register = template.Library()


@register.simple_tag(takes_context=True)
def history_entries(context, events):
    """``{% history_entries events as entries %}``: the events as sentences, for a county without
    IMDi's internal details (the viewer's membership decides)."""
    request = context.get("request")
    return history.entries(events, county=history.for_viewer(getattr(request, "membership", None)))


@register.filter
def event_actor(event) -> str:
    """For IMDi's audit log: the person as recorded (name and e-mail), or the portal itself."""
    if history.is_automatic(event):
        return str(history.PORTAL)
    return event.actor_label


@register.filter
def event_states(event) -> str:
    """``Utkast → Venter på bekreftelse``: the states by their labels."""
    return history.states_of(event)


@register.filter
def event_sentence(event) -> str:
    """The event's sentence as IMDi reads it."""
    return history.describe(event, county=False).sentence
