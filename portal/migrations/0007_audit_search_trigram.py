"""Trigram indexes (pg_trgm) for the audit log's search: ``icontains`` on PostgreSQL is
``UPPER(column) LIKE UPPER('%…%')``, which a GIN index on ``UPPER(column) gin_trgm_ops`` answers
without reading every event. PostgreSQL only; SQLite reads the table as before."""

from django.db import migrations

COLUMNS = ("action", "object_repr", "actor_label")


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS audit_{column}_trgm ON portal_auditevent "
            f"USING gin (UPPER({column}::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for column in COLUMNS:
        schema_editor.execute(f"DROP INDEX IF EXISTS audit_{column}_trgm")


class Migration(migrations.Migration):
    dependencies = [("portal", "0006_text_limits")]

    operations = [migrations.RunPython(create, drop)]
