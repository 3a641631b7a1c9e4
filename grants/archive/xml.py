"""Writing XML as a stream: elements go to the output as they are made, so that a journal or an
archive extract of any size is written in constant memory. ``Writer`` has the three things the Noark
writers need: an element with text, an optional one (left out when empty), and a block of children;
text and attributes are escaped with the standard library's ``xml.sax.saxutils``."""

from __future__ import annotations

import datetime as dt
import io
import re
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


# What needs more than copying: a character XML does not allow, or one to escape.
NOT_PLAIN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff&<>]")


def text_of(value) -> str:
    if isinstance(value, str):
        return NOT_XML.sub("", value)
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    return NOT_XML.sub("", str(value))


def escaped(value) -> str:
    """``value`` as element text: left out what XML does not allow, ``&``, ``<`` and ``>`` escaped. Most
    values are plain text, which is taken as it is (this runs a few million times in an extract)."""
    if type(value) is not str:
        value = text_of(value)
    if NOT_PLAIN.search(value) is None:
        return value
    return escape(NOT_XML.sub("", value))


def optional(name: str, value) -> str:
    """``<name>value</name>``, or nothing when ``value`` says nothing (the schemas refuse empty strings):
    for writers that make an element's text at once (``Writer.add``)."""
    if value is None or value == "":
        return ""
    return f"<{name}>{escaped(value)}</{name}>"


def moment(value: dt.datetime) -> str:
    """A time as ``Writer.leaf`` writes it (to the second)."""
    return value.isoformat(timespec="seconds")


PIECES = 4096  # strings (elements written one by one) kept before they are given to the output
ADDED = 64 * 1024  # characters (elements made whole by the caller, ``Writer.add``) kept before that


class _Element:
    """An open element: its start tag is written on entering, its end tag on leaving."""

    __slots__ = ("writer", "start", "end")

    def __init__(self, writer: Writer, start: str, end: str):
        self.writer, self.start, self.end = writer, start, end

    def __enter__(self) -> None:
        self.writer.write(self.start)

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            self.writer.write(self.end)
            if len(self.writer.parts) > PIECES:
                self.writer.flush()


class Writer:
    """Elements written one by one to ``out``, a text stream (a file opened with UTF-8, or ``Chunks``).
    Text and attribute values are escaped here (``xml.sax.saxutils``); names are the writers' own."""

    def __init__(self, out: io.TextIOBase):
        self.out = out
        self.parts: list[str] = []  # what is written, given to ``out`` in pieces of PIECES strings
        self.write = self.parts.append
        self.added = 0  # characters added (``add``) since the last flush

    def flush(self) -> None:
        """Give ``out`` what is written so far (an element that ends does it every PIECES strings)."""
        self.out.write("".join(self.parts))
        self.parts.clear()
        self.added = 0

    def add(self, text: str) -> None:
        """Text made by the caller (its values escaped with ``escaped``): a whole element or more."""
        self.parts.append(text)
        self.added += len(text)
        if self.added > ADDED or len(self.parts) > PIECES:
            self.flush()

    def start_document(self) -> None:
        self.write('<?xml version="1.0" encoding="utf-8"?>\n')

    def end_document(self) -> None:
        self.write("\n")
        self.flush()

    def element(self, name: str, attrs: dict | None = None) -> _Element:
        """``with w.element(name):`` the element's children are written inside."""
        attributes = "".join(f" {key}={quoteattr(text_of(value))}" for key, value in attrs.items()) if attrs else ""
        return _Element(self, f"<{name}{attributes}>", f"</{name}>")

    def leaf(self, name: str, value, attrs: dict | None = None) -> None:
        if attrs:
            attributes = "".join(f" {key}={quoteattr(text_of(v))}" for key, v in attrs.items())
            self.write(f"<{name}{attributes}>{escaped(value)}</{name}>")
        else:
            self.write(f"<{name}>{escaped(value)}</{name}>")

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
