"""``manage.py archive_backfill``: the archive for what the portal held before it had one (cases
without a case number, documents without a journal entry), as ``grants.services.journal_backfill``
makes it. Running it again changes nothing; ``make run`` runs it after loading the demo data, and
production runs it once after upgrading past the migration grants/0018_archive (README, "The archive")"""

from django.core.management.base import BaseCommand

from grants.services.journal_backfill import archive_backfill


class Command(BaseCommand):
    help = "Give every case without one its case number and journal every document without a journal entry."

    def handle(self, *args, **options):
        done = archive_backfill()
        numbered = f"{len(done.numbered)} saker fikk saksnummer" + (
            f" ({done.numbered[0]}–{done.numbered[-1]})" if done.numbered else ""
        )
        self.stdout.write(f"{numbered}; {done.entries} journalposter i {done.cases} saker.")
