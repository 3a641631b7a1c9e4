"""Deadline day, for locust (``bench/loadtest.py`` runs it headless against gunicorn).

Reads the plan ``bench/deadline.py`` made (the file ``LOADTEST_PLAN`` names: sessions and object
ids) and writes every request's kind, time and outcome to ``LOADTEST_SAMPLES`` when the run stops.
Each user logs in with a session of its own and sends what the browser sends: the form's own fields
and CSRF token read from the page, htmx's headers and ``X-CSRFToken`` for autosave and the budget
totals, the form post with ``csrfmiddlewaretoken`` for a section save and a confirmation.

- ``CountyUser``: opens a section of its draft, autosaves it every 5 s (the budget: the live totals
  too), saves it with "Lagre og gå videre", and goes on to the next section.
- ``Director``: the dashboard, an application awaiting confirmation, confirms it, reads the receipt
  page; when none is left, reads the dashboard and what it confirmed.
- ``Caseworker``: pages the inbox of the case call and opens its cases.
- ``Reader``: anonymous, the call list and the deadline-day call.

Never imported by the portal or its tests (gevent patches the standard library when locust loads).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser

from locust import HttpUser, constant_pacing, events, task

PLAN = json.loads(open(os.environ["LOADTEST_PLAN"], encoding="utf-8").read())  # noqa: SIM115
SAMPLES: list[tuple[str, str, float, bool]] = []  # (kind, method, ms, ok)
VERSION = re.compile(r'name="version" value="(\d+)"')
_counters = {key: itertools.count() for key in ("county", "directors", "caseworkers")}
PACE = float(os.environ.get("LOADTEST_PACE", "5"))  # seconds between a user's requests (the autosave)
COUNTS = PLAN["counts"]  # users of each kind; the readers take what is left of locust's --users


@events.request.add_listener
def _record(request_type, name, response_time, response_length, exception=None, **_kw):
    SAMPLES.append((name, request_type, response_time, exception is None))


@events.quitting.add_listener
def _write(environment, **_kw):
    with open(os.environ["LOADTEST_SAMPLES"], "w", encoding="utf-8") as out:
        json.dump({"samples": SAMPLES, "users": environment.runner.user_count if environment.runner else 0}, out)


class FormFields(HTMLParser):
    """The fields a browser would send with the form ``form_id`` (all forms' when None)."""

    def __init__(self, form_id: str | None = None):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, form_id is None, []
        self._textarea: str | None = None
        self._select: str | None = None
        self.token = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") == "csrfmiddlewaretoken" and not self.token:
            self.token = a.get("value", "")
        if tag == "form" and self.form_id is not None:
            self.inside = a.get("id") == self.form_id
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type", "text") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append([name, a.get("value", "on" if a.get("type") == "checkbox" else "")])
        elif tag == "textarea" and name:
            self._textarea = name
            self.fields.append([name, ""])
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.fields.append([self._select, a.get("value", "")])

    def handle_data(self, data):
        if self._textarea:
            self.fields[-1][1] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            if self.fields and self._textarea:
                self.fields[-1][1] = self.fields[-1][1].removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form" and self.form_id is not None:
            self.inside = False


def form_of(html: str, form_id: str | None = None) -> FormFields:
    parser = FormFields(form_id)
    parser.feed(html)
    return parser


class PortalUser(HttpUser):
    abstract = True
    role = ""

    def on_start(self):
        plans = PLAN[self.role]
        self.number = next(_counters[self.role])
        self.plan = plans[self.number % len(plans)]
        self.client.cookies.set(PLAN["cookie_name"], self.plan["session"])

    def page(self, path: str, kind: str) -> str:
        with self.client.get(path, name=kind, catch_response=True, allow_redirects=False) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code} {response.headers.get('Location', '')}")
            return response.text


class CountyUser(PortalUser):
    """County staff editing their draft: one request every 5 s."""

    role = "county"
    fixed_count = COUNTS["county"]
    wait_time = constant_pacing(PACE)

    def on_start(self):
        super().on_start()
        sections = list(PLAN["sections"].items())
        start = self.number % len(sections)  # the users spread over the sections, the budget's too
        self.sections = itertools.cycle(sections[start:] + sections[:start])
        self.form: FormFields | None = None
        self.left = 0

    @task
    def step(self):
        if self.form is None:
            self.open_section()
        elif self.left > 0:
            self.left -= 1
            if self.slug == "budsjett" and self.left % 2:
                self.totals()
            else:
                self.autosave()
        else:
            self.save()

    def open_section(self):
        self.slug, self.field = next(self.sections)
        self.url = f"/soknader/{self.plan['application']}/del/{self.slug}/"
        html = self.page(self.url, "section page")
        form = form_of(html, "section-form")
        if form.token:
            self.form, self.left = form, 4

    def data(self, **extra) -> list[tuple[str, str]]:
        fields = [(k, v) for k, v in self.form.fields]
        if self.field:
            stamp = f" (endret {time.strftime('%H:%M:%S')})"
            fields = [(k, v.split(" (endret")[0] + stamp if k == self.field else v) for k, v in fields]
        return fields + list(extra.items())

    def htmx(self) -> dict[str, str]:
        return {
            "HX-Request": "true",
            "HX-Current-URL": self.client.base_url + self.url,
            "X-CSRFToken": self.form.token,
            "Referer": self.client.base_url + self.url,
        }

    def autosave(self):
        with self.client.post(
            self.url, data=self.data(autosave="1"), headers=self.htmx(), name="autosave", catch_response=True
        ) as response:
            found = VERSION.search(response.text) if response.status_code == 200 else None
            if found is None:
                response.failure(f"not saved: HTTP {response.status_code} {response.text[:160]!r}")
                return
            self.form.fields = [[k, found.group(1) if k == "version" else v] for k, v in self.form.fields]

    def totals(self):
        url = f"/soknader/{self.plan['application']}/budsjett/summer/"
        with self.client.post(
            url, data=self.data(), headers=self.htmx(), name="budget totals", catch_response=True
        ) as response:
            if response.status_code != 200 or "budget-totals" not in response.text:
                response.failure(f"HTTP {response.status_code}")

    def save(self):
        headers = {"Referer": self.client.base_url + self.url}
        with self.client.post(
            self.url, data=self.data(), headers=headers, name="section save", catch_response=True, allow_redirects=False
        ) as response:
            # Saved: on to the next section (302), or the page again with what is still missing (200).
            if response.status_code not in (200, 302) or "conflict-title" in response.text:
                response.failure(f"HTTP {response.status_code}")
        self.form = None


class Director(PortalUser):
    """A director confirming the applications that await them, one every four steps."""

    role = "directors"
    fixed_count = COUNTS["directors"]
    wait_time = constant_pacing(PACE)

    def on_start(self):
        super().on_start()
        self.waiting = list(self.plan["applications"])
        self.confirmed: list[str] = []
        self.steps = itertools.cycle(["dashboard", "open", "confirm", "receipt"])
        self.token = ""

    @task
    def step(self):
        if not self.waiting:
            self.page("/", "dashboard")
            if self.confirmed:
                self.page(random.choice(self.confirmed), "submission")
            return
        step = next(self.steps)
        pk = self.waiting[0]
        if step == "dashboard":
            self.page("/", "dashboard")
        elif step == "open":
            self.token = form_of(self.page(f"/soknader/{pk}/bekreft/", "confirm page")).token
        elif step == "confirm":
            self.confirm(pk)
        elif self.confirmed:
            self.page(self.confirmed[-1], "submission")

    def confirm(self, pk: int):
        url = f"/soknader/{pk}/bekreft/"
        data = {"csrfmiddlewaretoken": self.token, "confirm": "on"}
        with self.client.post(
            url,
            data=data,
            headers={"Referer": self.client.base_url + url},
            name="confirm",
            catch_response=True,
            allow_redirects=False,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or "/innsendinger/" not in location:
                response.failure(f"not confirmed: HTTP {response.status_code} {location}")
                return
            self.waiting.pop(0)
            self.confirmed.append(location)


class Caseworker(PortalUser):
    """An IMDi caseworker paging the inbox and opening cases."""

    role = "caseworkers"
    fixed_count = COUNTS["caseworkers"]
    wait_time = constant_pacing(PACE)

    @task(1)
    def inbox(self):
        side = random.randint(1, PLAN["inbox_pages"])
        self.page(f"{PLAN['inbox']}&side={side}" if side > 1 else PLAN["inbox"], "inbox")

    @task(2)
    def case(self):
        if PLAN["cases"]:
            self.page(f"/imdi/saker/{random.choice(PLAN['cases'])}/", "case")


class Reader(HttpUser):
    """Anyone reading the calls before they apply."""

    wait_time = constant_pacing(2 * PACE)

    @task
    def read(self):
        for path, kind in ((PLAN["call_list"], "call list"), (PLAN["call_detail"], "call detail")):
            with self.client.get(path, name=kind, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"HTTP {response.status_code}")
