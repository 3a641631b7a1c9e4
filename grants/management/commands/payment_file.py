"""Write the payment file (ISO 20022 pain.001.001.03, NOK) for every approved payment not yet in one.

    manage.py payment_file OUT

makes a new payment file of those payments, as the page "Lag betalingsfil" does, and writes it to OUT
(``-`` for standard output). The file is the one the portal stores with its SHA-256 and offers for
download; writing it here counts as its one download (the batch is marked sent, by the portal), so that
the page does not offer it to be sent a second time. The SHA-256 is printed on standard error."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from grants import services
from portal.audit import Actor
from portal.rules import Refused

CHUNK = 1 << 16


class Command(BaseCommand):
    help = "Write the pain.001.001.03 payment file for every approved payment not yet in a payment file."

    def add_arguments(self, parser):
        parser.add_argument("out", help="where to write the file ('-' for standard output)")

    def handle(self, *args, out: str, **options):
        actor = Actor.system()
        try:
            batch = services.batch_create(actor=actor)
        except Refused as refused:
            raise CommandError(str(refused)) from refused
        batch = services.batch_send(actor=actor, batch_id=batch.pk)
        target = sys.stdout.buffer if out == "-" else open(out, "wb")  # noqa: SIM115
        try:
            with batch.file.open("rb") as source:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
        finally:
            if target is not sys.stdout.buffer:
                target.close()
        self.stderr.write(f"{batch.message_id}: {batch.count} payments, {batch.total} NOK, SHA-256 {batch.sha256}")
