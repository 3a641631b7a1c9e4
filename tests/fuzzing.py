"""The machinery of tests/test_fuzz.py: the odd values hypothesis generates, the forms read from a
page, a role's client that turns each answer into a problem or None, one form fuzzed, and the check
that every stored row passes its own validation."""

from __future__ import annotations

import json
import os
import traceback
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.apps import apps
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests import factories as f
from tests.conftest import login

# Generated submissions per form and role; FUZZ_EXAMPLES=50 searches deeper (and longer) by hand.
MAX_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", 5))
ADMIN_EXAMPLES = min(MAX_EXAMPLES, max(3, MAX_EXAMPLES // 2))  # Django's own forms: the slowest pages
FUZZ_SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is repeatable
    database=None,  # no example database left in the work tree
    print_blob=False,
    # Shrinking replays a failing form many times over: the example as generated is reported instead.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
PORTAL_APPS = ("portal", "grants", "reporting")


# --- Generated values -------------------------------------------------------------------------

ODD_TEXTS = [
    "\x00",
    "a\x00b",
    "\u202eevil\u202c",  # right-to-left override
    "\u200f\u200e\u061c",  # right-to-left and left-to-right marks
    "e\u0301\u0301\u0301\u0301",  # combining accents
    "\ufeff\u200b\u2060",  # byte order mark, zero-width space, word joiner
    "👩‍👩‍👧‍👦🇳🇴",
    "Å" + "\u030a",
    "\t\n\r\x0b\x0c",
    "<script>alert(1)</script>",
    "{{ request.user }}{% debug %}",
    "%(name)s %s {0}",
    '=HYPERLINK("http://x")',
    "' OR 1=1 --",
    "../../etc/passwd",
    "\U0010fffd\U000e0001",
]
ODD_NUMBERS = [
    "0",
    "-0",
    "-1",
    "-999999999999",
    "0.0000000000000000000001",
    "1e308",
    "1e-400",
    "1E+400",
    "NaN",
    "inf",
    "-Infinity",
    str(2**31),
    str(2**63 - 1),
    str(2**63),
    str(-(2**63) - 1),
    "9" * 25,
    "9" * 400,
    "1 500 000,50",
    "1.500.000",
    "1,5",
    "kr 100",
    "0x10",
    "1_000",
]
ODD_DIGITS = ["²", "¹²³", "١٢٣", "٠", "۱۲۳", "१२३", "௧", "Ⅻ", "½", "𝟙𝟚𝟛", "１２３"]
ODD_DATES = [
    "0001-01-01",
    "9999-12-31",
    "2025-02-30",
    "31.12.9999",
    "01.01.0001",
    "1999-12-31",
    "2100-01-01",
    "29.02.2023",
    "00.00.0000",
    "2025-13-45",
    "2025-02-30T25:61",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2025-06-01T12:00:00+99:00",
    "²⁰²⁵-⁰¹-⁰¹",
]

any_text = st.text(st.characters(codec="utf-8"), max_size=30)  # every category but surrogates
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats().map(str),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).map(str),
)
dates = st.one_of(
    st.dates().map(lambda d: d.isoformat()),
    st.dates().map(lambda d: f"{d.day:02}.{d.month:02}.{d.year:04}"),
    st.datetimes().map(lambda t: t.strftime("%Y-%m-%dT%H:%M")),
)
long_text = st.builds(  # at most one field per example (see fuzz_form): long values take time to handle
    lambda unit, size: (unit * size)[:size],
    st.sampled_from(["a", "ø", "e\u0301", "ord ", "١", "\x00"]),
    st.sampled_from([2_001, 100_000]),
)
odd_value = st.one_of(
    any_text,
    st.sampled_from(ODD_TEXTS),
    st.sampled_from(ODD_NUMBERS),
    numbers,
    st.sampled_from(ODD_DIGITS),
    st.sampled_from(ODD_DATES),
    dates,
)
odd_file = st.builds(
    lambda name, content: SimpleUploadedFile(name, content, content_type="application/pdf"),
    st.sampled_from(["a.pdf", "\u202efdp.exe.pdf", "ø" * 300 + ".pdf", ".pdf", "a.PDF", "a b.pdf", "a.exe"]),
    st.sampled_from([b"", b"%PDF-1.4\n%%EOF\n", b"%PDF-\x00\xff" * 100, b"MZ\x90\x00", "ø".encode() * 50]),
)


# --- Forms on the pages -----------------------------------------------------------------------


@dataclass
class Field:
    kind: str  # input type, "select" or "textarea"
    values: list[str] = field(default_factory=list)  # the page's value, or the options
    multiple: bool = False


@dataclass
class Form:
    method: str
    action: str
    fields: dict[str, Field] = field(default_factory=dict)
    targets: list[tuple[str, str, dict]] = field(default_factory=list)  # (method, url, extra values) it posts to
    hx: bool = False


class FormReader(HTMLParser):
    """The forms of a page: where each is sent (its action, a button's formaction, htmx's hx-post)
    and the names of its fields, with the values and options the page offers."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self.by_id: dict[str, Form] = {}
        self.current: Form | None = None
        self.select: Field | None = None
        self.option: list[str] | None = None
        self.textarea: Field | None = None
        self.hx_posts: list[tuple[str, str | None, dict, Form | None]] = []

    def url(self, value: str | None) -> str:
        return urljoin(self.page_url, value or self.page_url)

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.current = Form((a.get("method") or "get").lower(), self.url(a.get("action")))
            self.forms.append(self.current)
            if a.get("id"):
                self.by_id[a["id"]] = self.current
        if a.get("hx-post"):
            include = a.get("hx-include", "")
            vals = json.loads(a.get("hx-vals") or "{}")
            owner = include[1:] if include.startswith("#") else None
            self.hx_posts.append((self.url(a["hx-post"]), owner, vals, self.current))
        form = self.by_id.get(a["form"]) if a.get("form") else self.current
        if form is None:
            return
        if a.get("formaction"):
            extra = {a["name"]: a.get("value", "")} if a.get("name") else {}
            form.targets.append((form.method, self.url(a["formaction"]), extra))
        name = a.get("name")
        if tag == "input" and name:
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                kind = "button"
            item = form.fields.setdefault(name, Field(kind))
            item.values.append(a.get("value", "on" if kind in ("checkbox", "radio") else ""))
            item.multiple = item.multiple or (kind == "checkbox" and len(item.values) > 1)
        elif tag == "button" and name:
            form.fields.setdefault(name, Field("button")).values.append(a.get("value", ""))
        elif tag == "select" and name:
            self.select = form.fields.setdefault(name, Field("select", multiple="multiple" in a))
        elif tag == "option" and self.select is not None:
            if "value" in a:
                self.select.values.append(a["value"])
            else:
                self.option = []
        elif tag == "textarea" and name:
            self.textarea = form.fields.setdefault(name, Field("textarea", [""]))

    def handle_data(self, data):
        if self.option is not None:
            self.option.append(data)
        if self.textarea is not None:
            self.textarea.values[-1] += data

    def handle_endtag(self, tag):
        if tag == "option" and self.option is not None and self.select is not None:
            self.select.values.append("".join(self.option).strip())
            self.option = None
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None
        elif tag == "form":
            self.current = None

    def targets(self) -> list[Form]:
        """One Form per place a form is sent to."""
        found = []
        for form in self.forms:
            found.append(form)
            for method, url, extra in form.targets:
                found.append(Form(method, url, {**form.fields, **{k: Field("hidden", [v]) for k, v in extra.items()}}))
        for url, owner, vals, enclosing in self.hx_posts:
            source = self.by_id.get(owner) if owner else enclosing
            fields = dict(source.fields) if source else {}
            fields.update({k: Field("hidden", [str(v)]) for k, v in vals.items()})
            found.append(Form("post", url, fields, hx=True))
        return found


def page_links(html: str, page_url: str) -> list[str]:
    class Links(HTMLParser):
        links: list[str] = []

        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href")
            if tag == "a" and href and not href.startswith(("#", "mailto:", "javascript:")):
                self.links.append(urljoin(page_url, href))

    reader = Links()
    reader.links = []
    reader.feed(html)
    return reader.links


def url_name(url: str) -> str | None:
    try:
        return resolve(urlsplit(url).path).view_name
    except Resolver404:
        return None


@dataclass
class Session:
    """A role's client: logs in again when a request has ended the session, and turns every answer
    into a problem or None (a 500, or an exception the test client re-raises)."""

    client: object
    user: object
    requests: int = 0
    logged_in: bool = False

    def send(self, method: str, url: str, data=None, **headers) -> tuple[object | None, str | None]:
        if self.user is not None and not self.logged_in:  # the first request, or one that logged out
            login(self.client, self.user)
        cache.clear()  # allauth's rate limits: a refused login is not what is being tried
        self.requests += 1
        self.logged_in = False
        try:
            with transaction.atomic():  # a database error in the view must not poison the rest (PostgreSQL)
                response = getattr(self.client, method)(url, data or {}, **headers)
        except Exception as error:  # noqa: BLE001 - a crash is the finding; it is reported with the rest
            frames = traceback.format_exception(error)[-3:]
            return None, f"raised {error!r}\n" + "".join(frames)
        self.logged_in = response.wsgi_request.user.is_authenticated
        if response.status_code >= 500:
            return response, f"answered {response.status_code}"
        return response, None


# --- One form ----------------------------------------------------------------------------------


PLAUSIBLE = {  # a value an empty field of each kind would accept, so that the odd ones get further
    "date": ["2025-06-01"],
    "datetime-local": ["2025-06-01T12:00"],
    "email": ["fuzz@example.org"],
    "number": ["1000"],
    "password": ["Et-langt-passord-2025"],
}


def usual_value(item: Field):
    """What a person would send: the page's value, one of its options, or a plausible one."""
    offered = [v for v in item.values if v]
    if item.kind == "file":
        return st.builds(lambda: f.pdf_upload("fuzz.pdf"))
    if item.multiple:
        return st.lists(st.sampled_from(offered), max_size=2, unique=True) if offered else st.just([])
    if item.kind in ("checkbox", "button"):
        return st.one_of(st.none(), st.sampled_from(offered)) if offered else st.none()
    if item.kind in ("select", "radio"):
        return st.sampled_from(offered) if offered else st.just("")
    if item.values and item.values[0]:
        return st.just(item.values[0])
    return st.sampled_from(PLAUSIBLE.get(item.kind, ["Tekst", "1000", "2025-06-01"]))


def odd_value_for(item: Field):
    """An odd value of any kind for the field, or the field left out."""
    if item.kind == "file":
        return st.one_of(st.none(), odd_file)
    if item.multiple:
        offered = st.sampled_from(item.values) if item.values else odd_value
        return st.lists(st.one_of(offered, odd_value), min_size=1, max_size=3)
    if item.kind in ("date", "datetime-local"):
        return st.one_of(st.sampled_from(ODD_DATES), dates, odd_value)
    return st.one_of(st.none(), odd_value)


def fuzz_form(session: Session, form: Form) -> str | None:
    """Send generated values to one form: each example gives one to three fields (or now and then all of
    them) an odd value and the rest what a person would send. The first server error found, or None."""
    fields = {k: v for k, v in form.fields.items() if k != "csrfmiddlewaretoken"}
    names = sorted(fields)
    headers = {"HTTP_HX_REQUEST": "true"} if form.hx else {}
    few = st.sets(st.sampled_from(names), min_size=1, max_size=3) if names else st.just(set())
    which = st.one_of(few, few, few, st.just(set(names)))

    examples = ADMIN_EXAMPLES if url_name(form.action).startswith("admin:") else MAX_EXAMPLES

    @settings(FUZZ_SETTINGS, max_examples=examples)
    @given(st.data())
    def run(data):
        odd = data.draw(which, label="odd fields")
        values = {
            name: data.draw(odd_value_for(item) if name in odd else usual_value(item), label=name)
            for name, item in sorted(fields.items())
        }
        text_fields = [name for name in names if fields[name].kind not in ("file", "checkbox", "radio", "button")]
        if text_fields and data.draw(st.integers(0, 3), label="a long value?") == 0:
            values[data.draw(st.sampled_from(text_fields), label="long field")] = data.draw(long_text, label="long")
        values = {k: v for k, v in values.items() if v is not None and v != []}
        _, problem = session.send(form.method, form.action, values, **headers)
        assert problem is None, problem

    if not fields:  # nothing to generate: one request tells all
        return session.send(form.method, form.action, {}, **headers)[1]
    try:
        run()
    except AssertionError as error:
        notes = "\n".join(getattr(error, "__notes__", []))
        return f"{error}\n{notes}"
    return None


# --- Nothing stored that a form would refuse -------------------------------------------------


def stored_row_problems() -> list[str]:
    """Every row of the portal's own models passes its fields' validation: max_length (also on text
    fields, where Django does not check it), choices and validators. Relations are left out: a row
    points at rows the database's foreign keys already vouch for."""
    problems = []
    for label in PORTAL_APPS:
        for model in apps.get_app_config(label).get_models():
            columns = model._meta.concrete_fields
            relations = [column.name for column in columns if column.is_relation]
            sized = [column for column in columns if column.max_length and not column.is_relation]
            for row in model._base_manager.all():
                try:
                    row.clean_fields(exclude=relations)
                except ValidationError as error:
                    # An answer not given yet (blank or null) is a draft, which forms save; a wrong one is not.
                    wrong = {
                        name: [e.messages[0] for e in errors if e.code not in ("blank", "null")]
                        for name, errors in error.error_dict.items()
                    }
                    if any(wrong.values()):
                        problems.append(f"{model._meta.label} {row.pk}: {wrong}")
                for column in sized:
                    value = getattr(row, column.attname)
                    if isinstance(value, str) and len(value) > column.max_length:
                        problems.append(
                            f"{model._meta.label} {row.pk}: {column.name} has {len(value)} > {column.max_length}"
                        )
    return problems
