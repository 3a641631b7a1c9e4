"""``CallFigures``: each call's paid, used, carried over and repaid, kept by the database
(reporting.db_call_figures), summed here for the calls that exist."""

from decimal import Decimal

import django.db.models.deletion
from django.db import migrations, models

from reporting import db_call_figures


def install(apps, schema_editor):
    # The calls that exist get their sums first; from then on the triggers keep them (and, on
    # PostgreSQL, refuse any other change of them).
    schema_editor.execute(
        "INSERT INTO reporting_callfigures (call_id, paid, used, carried_over, repaid) "
        + db_call_figures.CALL_FIGURES_SUMMED
    )
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(db_call_figures.CALL_FIGURES_POSTGRES)
    elif vendor == "sqlite":
        for statement in db_call_figures.CALL_FIGURES_SQLITE:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(db_call_figures.CALL_FIGURES_POSTGRES_UNINSTALL)
    elif vendor == "sqlite":
        for statement in db_call_figures.CALL_FIGURES_SQLITE_UNINSTALL:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0023_case_worker_state"),
        ("reporting", "0013_report_done"),
    ]

    operations = [
        migrations.CreateModel(
            name="CallFigures",
            fields=[
                (
                    "call",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="figures",
                        serialize=False,
                        to="grants.call",
                    ),
                ),
                (
                    "paid",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=14,
                        verbose_name="utbetalt (kr)",
                    ),
                ),
                (
                    "used",
                    models.DecimalField(
                        decimal_places=2, default=Decimal("0"), editable=False, max_digits=14, verbose_name="brukt (kr)"
                    ),
                ),
                (
                    "carried_over",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=14,
                        verbose_name="overført (kr)",
                    ),
                ),
                (
                    "repaid",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0"),
                        editable=False,
                        max_digits=14,
                        verbose_name="tilbakebetalt (kr)",
                    ),
                ),
            ],
            options={"verbose_name": "utlysningens tall", "verbose_name_plural": "utlysningenes tall"},
        ),
        migrations.RunPython(install, uninstall),
    ]
