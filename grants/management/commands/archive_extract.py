"""Write a Noark 5 v5.0 archive extract of one scheme's cases (grants.archive.extract):

    manage.py archive_extract --scheme nasjonal-samarbeidsmodell --years 2025-2026 /sti/til/uttrekk

Running it again on the same directory gives the same extract."""

from __future__ import annotations

import re
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from grants.archive.extract import ExtractError, archive_extract
from grants.models import Scheme

YEARS = re.compile(r"^(\d{4})(?:-(\d{4}))?$")


def parse_years(text: str) -> tuple[int, int]:
    """``2025`` or ``2025-2026``: the first and the last year, in order."""
    match = YEARS.match(text.strip())
    if not match:
        raise CommandError(f"--years must be a year or two years, like 2025-2026 (got {text!r}).")
    first = int(match[1])
    last = int(match[2] or match[1])
    if last < first:
        raise CommandError(f"--years: {last} is before {first}.")
    return first, last


class Command(BaseCommand):
    help = "Write a Noark 5 v5.0 archive extract (arkivuttrekk) of one scheme's cases in a range of years."

    def add_arguments(self, parser):
        parser.add_argument("--scheme", required=True, help="The scheme's code.")
        parser.add_argument("--years", required=True, help="A year or a range of years, like 2025-2026.")
        parser.add_argument("out", help="The directory to write the extract to (made if missing).")

    def handle(self, *args, **options):
        first, last = parse_years(options["years"])
        scheme = Scheme.objects.select_related("owner").filter(code=options["scheme"]).first()
        if scheme is None:
            raise CommandError(f"No scheme has the code {options['scheme']!r}.")
        started = time.monotonic()
        try:
            extract = archive_extract(scheme=scheme, first_year=first, last_year=last, out=Path(options["out"]))
        except ExtractError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{extract.out}: {extract.folders} saksmapper, {extract.entries} journalposter, "
            f"{extract.documents} dokumenter in {time.monotonic() - started:.1f} s"
        )
