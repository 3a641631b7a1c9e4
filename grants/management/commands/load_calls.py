"""Load the real scheme and its 2025 and 2026 calls from IMDi's circular, in bokmål and nynorsk.

Production runs this on every start. It only creates what is missing: once a call exists, IMDi's
admins own it (texts, dates, pot, publication), and a later run leaves their changes alone. A nynorsk
text that is missing (on a call made before content had two written standards) is filled in from the
circular where the bokmål is still the circular's; an admin's own bokmål text gets no nynorsk from
here. ``--update`` rewrites the calls from the circular on purpose.
"""

from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.utils import translation

from grants import seed, seed_letters
from grants.models import Call, CostCategory, Criterion, LetterTemplate, Scheme
from portal.models import Organisation


def fill_nynorsk(obj: models.Model, data: dict) -> None:
    """Fill ``obj``'s empty nynorsk columns from ``data`` (``name``, ``name_nn``…) where its bokmål is
    still ``data``'s: a field added later, never an admin's text overwritten."""
    filled = []
    for column, nynorsk in data.items():
        if not column.endswith("_nn"):
            continue
        field = column.removesuffix("_nn")
        if not getattr(obj, column) and nynorsk and getattr(obj, f"{field}_nb") == data[field]:
            setattr(obj, column, nynorsk)
            filled.append(column)
    if filled:
        obj.save(update_fields=filled)


class Command(BaseCommand):
    help = "Create the real scheme and its calls (2025, 2026) from IMDi's circular, if they are missing."

    def add_arguments(self, parser):
        parser.add_argument(
            "--update", action="store_true", help="Overwrite existing calls with the circular's texts and dates."
        )

    @transaction.atomic
    def handle(self, *args, update=False, **options):
        with translation.override("nb"):  # the seed's plain keys (``name``) are its bokmål
            self._load(update=update)

    def _load(self, *, update: bool) -> None:
        imdi, _ = Organisation.objects.get_or_create(orgnr=seed.IMDI["orgnr"], defaults=seed.IMDI)
        fill_nynorsk(imdi, seed.IMDI)
        scheme, _ = Scheme.objects.get_or_create(code=seed.SCHEME["code"], defaults={**seed.SCHEME, "owner": imdi})
        if not scheme.circular:  # a field added later: fill it on an existing scheme, never overwrite it
            scheme.circular, scheme.circular_nn = seed.SCHEME["circular"], seed.SCHEME["circular_nn"]
            scheme.save(update_fields=["circular", "circular_nb", "circular_nn"])
        fill_nynorsk(scheme, seed.SCHEME)
        for year in seed.CALL_YEARS:
            data = seed.call_data(year)
            if update:
                call, created = Call.objects.update_or_create(scheme=scheme, year=year, defaults=data)
            else:
                call, created = Call.objects.get_or_create(scheme=scheme, year=year, defaults=data)
                fill_nynorsk(call, data)
            self._rows(call, CostCategory, seed.cost_categories(), rewrite=created or update)
            self._rows(call, Criterion, seed.criteria(), rewrite=created or update)
            self._letter_templates(call, update=update)
            verb = "Created" if created else ("Updated" if update else "Kept")
            self.stdout.write(f"{verb} call {call.year}: {call.title}")

    @staticmethod
    def _rows(call, model, rows: list[dict], *, rewrite: bool) -> None:
        """The call's cost categories or criteria, in order: written when the call is new (or updated),
        otherwise only their missing nynorsk filled in."""
        for order, data in enumerate(rows, start=1):
            if rewrite:
                model.objects.update_or_create(call=call, order=order, defaults=data)
            else:
                row = model.objects.filter(call=call, order=order).first()
                if row is not None:
                    fill_nynorsk(row, data)

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
