"""``AnnualReport.spent_total``: the sum of the report's account lines, kept by the database
(reporting.db_triggers), filled here for the reports that exist."""

from decimal import Decimal

from django.db import migrations, models

from reporting import db_triggers


def install(apps, schema_editor):
    # The reports that exist get their total first; from then on the triggers keep it (and, on
    # PostgreSQL, refuse any other change of it).
    schema_editor.execute(
        "UPDATE reporting_annualreport SET spent_total = COALESCE((SELECT SUM(spent) FROM reporting_accountline "
        "WHERE reporting_accountline.report_id = reporting_annualreport.id), 0)"
    )
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(db_triggers.POSTGRES_INSTALL)
    elif vendor == "sqlite":
        for statement in db_triggers.SQLITE_TRIGGERS:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(db_triggers.POSTGRES_UNINSTALL)
    elif vendor == "sqlite":
        for statement in db_triggers.SQLITE_UNINSTALL:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0011_claim_approval_interest_set_off")]

    operations = [
        migrations.AddField(
            model_name="annualreport",
            name="spent_total",
            field=models.DecimalField(
                decimal_places=2,
                default=Decimal("0"),
                editable=False,
                max_digits=14,
                verbose_name="regnskap i alt (kr)",
            ),
        ),
        migrations.RunPython(install, uninstall),
    ]
