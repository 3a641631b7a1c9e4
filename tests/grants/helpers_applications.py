"""Helpers for the application tests: reading pages and forms, and moving an application along."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from grants import services
from portal.models import Role
from tests import factories as f
from tests.conftest import login

NBSP = "\u00a0"
CONFIRM = {"confirm": "on"}


def page(response) -> str:
    """The page as the user reads it: entities decoded."""
    return html.unescape(response.content.decode())


def input_tag(response, name: str) -> str:
    match = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', response.content.decode())
    assert match, f"no input named {name!r} on the page"
    return match.group(0)


def input_value(response, name: str) -> str:
    match = re.search(r'\bvalue="([^"]*)"', input_tag(response, name))
    return html.unescape(match.group(1)) if match else ""


def form_version(response) -> int:
    """The version the re-rendered section form carries (the hidden input the next save posts)."""
    return int(input_value(response, "version"))


def error_summary(response) -> str:
    match = re.search(r'<div class="alert alert-danger error-summary".*?</div>', response.content.decode(), re.S)
    assert match, "the page has no error summary"
    return html.unescape(match.group(0))


class FormFields(HTMLParser):
    """What a browser would post from the form with ``form_id``, as the page shows it."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data, self.select, self.textarea = form_id, False, {}, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[a["name"]] = a.get("value") or "on"
            elif kind not in ("submit", "button", "file"):
                self.data[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self.select = [a["name"], ""]
        elif tag == "option" and self.select is not None and "selected" in a:
            self.select[1] = a.get("value") or ""
        elif tag == "textarea":
            self.textarea = [a["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            self.data[self.select[0]] = self.select[1]
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.data[name] = text.removeprefix("\n")
            self.textarea = None


def form_data(response, form_id: str = "section-form") -> dict:
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    return parser.data


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%d.%m.%Y %H:%M")


def past_deadline(call, minutes: int = 1):
    return time_machine.travel(call.application_deadline + dt.timedelta(minutes=minutes), tick=False)


def as_user(user) -> Client:
    return login(Client(), user)


def send(application, user):
    return services.application_send(actor=f.actor_for(user, application.organisation), application_id=application.pk)


def confirm(application, user):
    return services.application_confirm(
        actor=f.actor_for(user, application.organisation), application_id=application.pk
    )


def project_data(version: int, **overrides) -> dict:
    data = {
        key: ("" if value is None else value.isoformat() if isinstance(value, dt.date) else str(value))
        for key, value in f.COMPLETE_ANSWERS["prosjekt"].items()
    }
    data.update(version=str(version), **overrides)
    return data


def section_url(application, slug: str) -> str:
    return reverse("application_section", args=[application.pk, slug])


def expired_delegate(cast):
    """A member of county A's staff whose fullmakt from the director ended yesterday."""
    user = f.make_user(name="Una Utløpt", roles=[(cast.county_a, Role.COUNTY_STAFF)])
    f.make_delegation(grantor=cast.director_a, grantee=user, organisation=cast.county_a, days_from=-30, days_to=-1)
    return user
