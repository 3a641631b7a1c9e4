"""``grants.Decision.report_done``: whether the grant's annual report is sent in, kept by the
database from the reports (reporting.db_triggers), filled here for the grants that exist."""

from django.db import migrations

from reporting import db_triggers


def install(apps, schema_editor):
    # The grants that exist get their flag first; from then on the triggers keep it (and put right
    # any other write of it).
    db_triggers.fill_report_done(schema_editor.connection)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(db_triggers.POSTGRES_REPORT_DONE_INSTALL)
    elif vendor == "sqlite":
        for statement in db_triggers.SQLITE_REPORT_DONE:
            schema_editor.execute(statement)


def uninstall(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(db_triggers.POSTGRES_REPORT_DONE_UNINSTALL)
    elif vendor == "sqlite":
        for statement in db_triggers.SQLITE_REPORT_DONE_UNINSTALL:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("reporting", "0012_spent_total"), ("grants", "0022_report_done")]

    operations = [migrations.RunPython(install, uninstall)]
