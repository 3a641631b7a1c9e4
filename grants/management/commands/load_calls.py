"""Load the real scheme and its 2025 and 2026 calls. Production runs this too; it is idempotent:
running it again updates the texts and dates and creates nothing twice."""

from django.core.management.base import BaseCommand
from django.db import transaction

from grants import seed
from grants.models import Call, CostCategory, Criterion, Scheme
from portal.models import Organisation


class Command(BaseCommand):
    help = "Create or update the real scheme and its calls (2025, 2026) from IMDi's circular."

    @transaction.atomic
    def handle(self, *args, **options):
        imdi, _ = Organisation.objects.get_or_create(orgnr=seed.IMDI["orgnr"], defaults=seed.IMDI)
        scheme, _ = Scheme.objects.update_or_create(code=seed.SCHEME["code"], defaults={**seed.SCHEME, "owner": imdi})
        for year in seed.CALL_YEARS:
            call, created = Call.objects.update_or_create(scheme=scheme, year=year, defaults=seed.call_data(year))
            for order, (name, help_text) in enumerate(seed.COST_CATEGORIES, start=1):
                CostCategory.objects.update_or_create(
                    call=call, order=order, defaults={"name": name, "help_text": help_text}
                )
            for order, (name, description) in enumerate(seed.CRITERIA, start=1):
                Criterion.objects.update_or_create(
                    call=call, order=order, defaults={"name": name, "description": description}
                )
            self.stdout.write(f"{'Created' if created else 'Updated'} call {call.year}: {call.title}")
