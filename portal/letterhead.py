"""What every letter IMDi sends has at the top and at the bottom, as an official letter has it
(templates/grants/pdf/letter_base.html): the sender with its official address and mailbox, "Vår
referanse" (IMDi's case and document number), "Deres referanse" (the recipient's own), "Vår dato",
"Deres dato" (of the application or letter answered), the caseworker with phone and e-mail, the
addressee, a subject without repetition, the signature block with names and titles and the line
that the letter is approved electronically, and the "Vedlegg" and "Kopi til" lists.

A letter's own context adds its body's keys to ``letterhead(...)``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from portal.models import Organisation, User


@dataclass(frozen=True)
class Person:
    """A caseworker or a signer as the letter shows them."""

    name: str
    title: str = ""
    phone: str = ""
    email: str = ""

    @classmethod
    def of(cls, user: User | None) -> Person | None:
        if user is None:
            return None
        return cls(name=user.full_name, title=user.title, phone=user.phone, email=user.email)


def lines(text: str | Iterable[str]) -> list[str]:
    """A "Vedlegg" or "Kopi til" list: typed one per line, or given as a list; blanks dropped."""
    items = text.splitlines() if isinstance(text, str) else text
    return [item.strip() for item in items if item and item.strip()]


def letterhead(
    *,
    owner: Organisation,
    addressee: Organisation,
    title: str,
    subject: str,
    reference: str,
    issued_on: dt.date,
    their_reference: str = "",
    their_date: dt.date | None = None,
    caseworker: User | None = None,
    signers: Iterable[User | None] = (),
    attachments: str | Iterable[str] = (),
    copy_to: str | Iterable[str] = (),
) -> dict:
    """The letterhead's and signature's context. ``signers`` in the order they sign (the one who
    approved first, then the caseworker); a missing signer is left out."""
    return {
        "owner": owner,
        "addressee": addressee,
        "title": title,
        "subject": subject,
        "reference": reference,
        "issued_on": issued_on,
        "their_reference": their_reference,
        "their_date": their_date,
        "caseworker": Person.of(caseworker),
        "signers": [person for person in map(Person.of, signers) if person is not None],
        "attachments": lines(attachments),
        "copy_to": lines(copy_to),
    }
