"""The kept total of each annual report's accounts (issue 16): ``AnnualReport.spent_total`` is the
sum of its ``AccountLine.spent``, kept by the database on every insert, change and delete of a line
(PostgreSQL: migration reporting 0012; SQLite: the triggers below, put back after every ``migrate``
as ``grants.db_triggers`` does, since SQLite drops a table's triggers when it rebuilds the table).
The statistics read the kept total instead of summing every report's lines."""

from __future__ import annotations

from django.db import connections

POSTGRES_INSTALL = """
CREATE OR REPLACE FUNCTION reporting_accountline_spent_total() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE reporting_annualreport SET spent_total = spent_total - OLD.spent WHERE id = OLD.report_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE reporting_annualreport SET spent_total = spent_total + NEW.spent WHERE id = NEW.report_id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS reporting_accountline_spent_total ON reporting_accountline;
CREATE TRIGGER reporting_accountline_spent_total
    AFTER INSERT OR UPDATE OF spent, report_id OR DELETE ON reporting_accountline
    FOR EACH ROW EXECUTE FUNCTION reporting_accountline_spent_total();
"""
POSTGRES_INSTALL += """
CREATE OR REPLACE FUNCTION reporting_annualreport_spent_total_kept() RETURNS trigger AS $$
BEGIN
    -- Only the account lines' trigger (one level down) changes the kept total.
    IF pg_trigger_depth() < 2 THEN
        NEW.spent_total := OLD.spent_total;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS reporting_annualreport_spent_total_kept ON reporting_annualreport;
CREATE TRIGGER reporting_annualreport_spent_total_kept
    BEFORE UPDATE OF spent_total ON reporting_annualreport
    FOR EACH ROW EXECUTE FUNCTION reporting_annualreport_spent_total_kept();
"""
POSTGRES_UNINSTALL = """
DROP TRIGGER IF EXISTS reporting_accountline_spent_total ON reporting_accountline;
DROP FUNCTION IF EXISTS reporting_accountline_spent_total();
DROP TRIGGER IF EXISTS reporting_annualreport_spent_total_kept ON reporting_annualreport;
DROP FUNCTION IF EXISTS reporting_annualreport_spent_total_kept();
"""

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS reporting_accountline_spent_insert AFTER INSERT ON reporting_accountline BEGIN
        UPDATE reporting_annualreport SET spent_total = spent_total + NEW.spent WHERE id = NEW.report_id; END""",
    """CREATE TRIGGER IF NOT EXISTS reporting_accountline_spent_update
        AFTER UPDATE OF spent, report_id ON reporting_accountline BEGIN
        UPDATE reporting_annualreport SET spent_total = spent_total - OLD.spent WHERE id = OLD.report_id;
        UPDATE reporting_annualreport SET spent_total = spent_total + NEW.spent WHERE id = NEW.report_id; END""",
    """CREATE TRIGGER IF NOT EXISTS reporting_accountline_spent_delete AFTER DELETE ON reporting_accountline BEGIN
        UPDATE reporting_annualreport SET spent_total = spent_total - OLD.spent WHERE id = OLD.report_id; END""",
]
SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS reporting_accountline_spent_{kind}" for kind in ("insert", "update", "delete")
]


def ensure_sqlite_triggers(sender=None, *, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        tables = set(connection.introspection.table_names(cursor))
        if not {"reporting_annualreport", "reporting_accountline"} <= tables:
            return  # migrated only part of the way: nothing to keep yet
        description = connection.introspection.get_table_description(cursor, "reporting_annualreport")
        if "spent_total" not in {column.name for column in description}:
            return  # before migration reporting 0012
        for statement in SQLITE_TRIGGERS:
            cursor.execute(statement)
