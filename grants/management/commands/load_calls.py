"""Load the real scheme and its 2025 and 2026 calls from IMDi's circular.

Production runs this on every start. It only creates what is missing: once a call exists, IMDi's
admins own it (texts, dates, pot, publication), and a later run leaves their changes alone.
``--update`` rewrites the calls from the circular on purpose.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from grants import seed, seed_letters
from grants.models import Call, CostCategory, Criterion, LetterTemplate, Scheme
from portal.models import Organisation


class Command(BaseCommand):
    help = "Create the real scheme and its calls (2025, 2026) from IMDi's circular, if they are missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true", help="Overwrite existing calls with the circular's texts and dates."
        )

    @transaction.atomic
    def handle(self, *args, update=False, **options):
        imdi, _ = Organisation.objects.get_or_create(orgnr=seed.IMDI["orgnr"], defaults=seed.IMDI)
        scheme, _ = Scheme.objects.get_or_create(code=seed.SCHEME["code"], defaults={**seed.SCHEME, "owner": imdi})
        if not scheme.circular:  # a field added later: fill it on an existing scheme, never overwrite it
            scheme.circular = seed.SCHEME["circular"]
            scheme.save(update_fields=["circular"])
        for year in seed.CALL_YEARS:
            if update:
                call, created = Call.objects.update_or_create(scheme=scheme, year=year, defaults=seed.call_data(year))
            else:
                call, created = Call.objects.get_or_create(scheme=scheme, year=year, defaults=seed.call_data(year))
            if created or update:
                for order, (name, help_text) in enumerate(seed.COST_CATEGORIES, start=1):
                    CostCategory.objects.update_or_create(
                        call=call, order=order, defaults={"name": name, "help_text": help_text}
                    )
                for order, (name, description) in enumerate(seed.CRITERIA, start=1):
                    Criterion.objects.update_or_create(
                        call=call, order=order, defaults={"name": name, "description": description}
                    )
            self._letter_templates(call, update=update)
            verb = "Created" if created else ("Updated" if update else "Kept")
            self.stdout.write(f"{verb} call {call.year}: {call.title}")

    @staticmethod
    def _letter_templates(call, *, update: bool) -> None:
        """The call's letter templates in bokmål and nynorsk (grants.seed_letters): one per kind of
        decision, created when missing (also on a call made before templates existed), never overwritten
        unless ``--update``."""
        for kind in seed_letters.TEMPLATES:
            fields = seed_letters.template_fields(kind)
            if update:
                LetterTemplate.objects.update_or_create(call=call, kind=kind, defaults=fields)
            else:
                LetterTemplate.objects.get_or_create(call=call, kind=kind, defaults=fields)
