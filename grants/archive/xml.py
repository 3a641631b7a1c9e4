"""Writing XML as a stream: elements go to the output as they are made, so that a journal or an
archive extract of any size is written in constant memory. ``Writer`` has the three things the Noark
writers need: an element with text, an optional one (left out when empty), and a block of children;
text and attributes are escaped with the standard library's ``xml.sax.saxutils``."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from xml.sax.saxutils import escape, quoteattr

# The Noark 5 v5.0 namespaces (the schemas in ../shared/noark5/).
NOARK = "http://www.arkivverket.no/standarder/noark5"
ARKIVSTRUKTUR = f"{NOARK}/arkivstruktur"
LOEPENDE_JOURNAL = f"{NOARK}/loependeJournal"
OFFENTLIG_JOURNAL = f"{NOARK}/offentligJournal"
ENDRINGSLOGG = f"{NOARK}/endringslogg"
METADATAKATALOG = f"{NOARK}/metadatakatalog"
ADDML = "http://www.arkivverket.no/standarder/addml"


# Characters XML 1.0 does not allow (control characters a user may have pasted): left out.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def text_of(value) -> str:
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return NOT_XML.sub("", str(value))


class Writer:
    """Elements written one by one to ``out``, a text stream (a file opened with UTF-8, or ``Chunks``).
    Text and attribute values are escaped here (``xml.sax.saxutils``); names are the writers' own."""

    def __init__(self, out: io.TextIOBase):
        self.write = out.write

    def start_document(self) -> None:
        self.write('<?xml version="1.0" encoding="utf-8"?>\n')

    def end_document(self) -> None:
        self.write("\n")

    @contextmanager
    def element(self, name: str, attrs: dict | None = None) -> Iterator[None]:
        attributes = "".join(f" {key}={quoteattr(text_of(value))}" for key, value in (attrs or {}).items())
        self.write(f"<{name}{attributes}>")
        yield
        self.write(f"</{name}>")

    def leaf(self, name: str, value, attrs: dict | None = None) -> None:
        attributes = "".join(f" {key}={quoteattr(text_of(v))}" for key, v in (attrs or {}).items())
        self.write(f"<{name}{attributes}>{escape(text_of(value))}</{name}>")

    def optional(self, name: str, value) -> None:
        """An element only when ``value`` says something (the schemas refuse empty strings)."""
        if value is not None and value != "":
            self.leaf(name, value)


class Chunks(io.StringIO):
    """A text buffer emptied in pieces: for streaming an XML document in an HTTP response."""

    def take(self) -> bytes:
        data = self.getvalue()
        self.seek(0)
        self.truncate()
        return data.encode("utf-8")
