"""Values the database keeps where they change (issue 16), read instead of summing or joining:

- ``AnnualReport.spent_total`` is the sum of its ``AccountLine.spent``, kept on every insert, change
  and delete of a line (migration reporting 0012). The statistics read it instead of summing every
  report's lines.
- ``CallFigures``, each call's sums for the statistics: ``reporting.db_call_figures`` (migration
  reporting 0014).
- ``grants.Decision.report_done`` says whether the grant's annual report is sent in (submitted or
  approved), kept on every insert, change of state and delete of a report (migration reporting
  0013). The overdue reports are read from the few grants not done (index ``decision_report_due``)
  instead of joining every accepted grant to its report.

On PostgreSQL the triggers are installed by those migrations; on SQLite by the lists below, put back
after every ``migrate`` as ``grants.db_triggers`` does, since SQLite drops a table's triggers when it
rebuilds the table; and removed before every ``migrate``, since SQLite cannot rebuild a table that
another table's trigger names (``grants_decision``, ``reporting_annualreport``).
"""

from __future__ import annotations

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from reporting.db_call_figures import CALL_FIGURES_SQLITE, CALL_FIGURES_SQLITE_UNINSTALL

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

# A grant's report is done once it is submitted or approved (not while a draft or sent back). The
# flag is always worked out again from the report itself, never flipped, so a write out of order
# cannot leave it wrong. Only a change that moves a report in or out of "done", or to another
# grant, touches the grant: not the draft's autosaves (a full save of a report lists ``state`` too).
FILL_REPORT_DONE = """
UPDATE grants_decision SET report_done = EXISTS (SELECT 1 FROM reporting_annualreport
    WHERE decision_id = grants_decision.id AND state IN ('submitted', 'approved'))
WHERE report_done <> EXISTS (SELECT 1 FROM reporting_annualreport
    WHERE decision_id = grants_decision.id AND state IN ('submitted', 'approved'))
"""

POSTGRES_REPORT_DONE_INSTALL = """
CREATE OR REPLACE FUNCTION reporting_annualreport_report_done() RETURNS trigger AS $$
BEGIN
    -- OLD is NULL on INSERT and NEW on DELETE: the grant the report left and the one it is on.
    UPDATE grants_decision SET report_done = EXISTS (SELECT 1 FROM reporting_annualreport
        WHERE decision_id = grants_decision.id AND state IN ('submitted', 'approved'))
    WHERE id IN (OLD.decision_id, NEW.decision_id);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS reporting_annualreport_report_done ON reporting_annualreport;
CREATE TRIGGER reporting_annualreport_report_done
    AFTER INSERT OR DELETE ON reporting_annualreport
    FOR EACH ROW EXECUTE FUNCTION reporting_annualreport_report_done();
DROP TRIGGER IF EXISTS reporting_annualreport_report_done_update ON reporting_annualreport;
CREATE TRIGGER reporting_annualreport_report_done_update
    AFTER UPDATE OF state, decision_id ON reporting_annualreport
    FOR EACH ROW WHEN (OLD.decision_id IS DISTINCT FROM NEW.decision_id
        OR (OLD.state IN ('submitted', 'approved')) IS DISTINCT FROM (NEW.state IN ('submitted', 'approved')))
    EXECUTE FUNCTION reporting_annualreport_report_done();

-- Whoever else writes the flag (a stale full save of the decision, a hand-written UPDATE, a
-- decision inserted after its report under the deferred foreign key) gets what the report says.
CREATE OR REPLACE FUNCTION grants_decision_report_done_kept() RETURNS trigger AS $$
BEGIN
    NEW.report_done := EXISTS (SELECT 1 FROM reporting_annualreport
        WHERE decision_id = NEW.id AND state IN ('submitted', 'approved'));
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS grants_decision_report_done_kept ON grants_decision;
CREATE TRIGGER grants_decision_report_done_kept
    BEFORE INSERT OR UPDATE OF report_done ON grants_decision
    FOR EACH ROW EXECUTE FUNCTION grants_decision_report_done_kept();
"""
POSTGRES_REPORT_DONE_UNINSTALL = """
DROP TRIGGER IF EXISTS reporting_annualreport_report_done ON reporting_annualreport;
DROP TRIGGER IF EXISTS reporting_annualreport_report_done_update ON reporting_annualreport;
DROP FUNCTION IF EXISTS reporting_annualreport_report_done();
DROP TRIGGER IF EXISTS grants_decision_report_done_kept ON grants_decision;
DROP FUNCTION IF EXISTS grants_decision_report_done_kept();
"""

SQLITE_REPORT_DONE = [
    """CREATE TRIGGER IF NOT EXISTS reporting_annualreport_done_insert AFTER INSERT ON reporting_annualreport BEGIN
        UPDATE grants_decision SET report_done = EXISTS (SELECT 1 FROM reporting_annualreport
            WHERE decision_id = grants_decision.id AND state IN ('submitted', 'approved'))
        WHERE id = NEW.decision_id; END""",
    """CREATE TRIGGER IF NOT EXISTS reporting_annualreport_done_update
        AFTER UPDATE OF state, decision_id ON reporting_annualreport
        WHEN OLD.decision_id IS NOT NEW.decision_id
            OR (OLD.state IN ('submitted', 'approved')) IS NOT (NEW.state IN ('submitted', 'approved')) BEGIN
        UPDATE grants_decision SET report_done = EXISTS (SELECT 1 FROM reporting_annualreport
            WHERE decision_id = grants_decision.id AND state IN ('submitted', 'approved'))
        WHERE id IN (OLD.decision_id, NEW.decision_id); END""",
    """CREATE TRIGGER IF NOT EXISTS reporting_annualreport_done_delete AFTER DELETE ON reporting_annualreport BEGIN
        UPDATE grants_decision SET report_done = EXISTS (SELECT 1 FROM reporting_annualreport
            WHERE decision_id = grants_decision.id AND state IN ('submitted', 'approved'))
        WHERE id = OLD.decision_id; END""",
    # SQLite's triggers cannot change NEW: a flag written otherwise is put right straight after.
    """CREATE TRIGGER IF NOT EXISTS grants_decision_report_done_insert AFTER INSERT ON grants_decision
        WHEN NEW.report_done IS NOT EXISTS (SELECT 1 FROM reporting_annualreport
            WHERE decision_id = NEW.id AND state IN ('submitted', 'approved')) BEGIN
        UPDATE grants_decision SET report_done = NOT NEW.report_done WHERE id = NEW.id; END""",
    """CREATE TRIGGER IF NOT EXISTS grants_decision_report_done_update AFTER UPDATE OF report_done ON grants_decision
        WHEN NEW.report_done IS NOT EXISTS (SELECT 1 FROM reporting_annualreport
            WHERE decision_id = NEW.id AND state IN ('submitted', 'approved')) BEGIN
        UPDATE grants_decision SET report_done = NOT NEW.report_done WHERE id = NEW.id; END""",
]
SQLITE_REPORT_DONE_UNINSTALL = [
    *(f"DROP TRIGGER IF EXISTS reporting_annualreport_done_{kind}" for kind in ("insert", "update", "delete")),
    *(f"DROP TRIGGER IF EXISTS grants_decision_report_done_{kind}" for kind in ("insert", "update")),
]

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

# The SQLite triggers by the migration that installs them.
SQLITE_KEPT = {
    "0012_spent_total": SQLITE_TRIGGERS,
    "0013_report_done": SQLITE_REPORT_DONE,
    "0014_call_figures": CALL_FIGURES_SQLITE,
}


def drop_sqlite_triggers(sender=None, *, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in (*SQLITE_UNINSTALL, *SQLITE_REPORT_DONE_UNINSTALL, *CALL_FIGURES_SQLITE_UNINSTALL):
            cursor.execute(statement)


def ensure_sqlite_triggers(sender=None, *, using: str = "default", **kwargs) -> None:
    """Put back the triggers of each migration that installed some and is applied (a migration taken
    back removes its own: they must not come back while its columns are still there)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    applied = MigrationRecorder(connection).applied_migrations()
    with connection.cursor() as cursor:
        for migration, statements in SQLITE_KEPT.items():
            if ("reporting", migration) in applied:
                for statement in statements:
                    cursor.execute(statement)


def fill_report_done(connection) -> None:
    """Set every grant's ``report_done`` from its report (migration reporting 0013, before its
    triggers keep it)."""
    with connection.cursor() as cursor:
        cursor.execute(FILL_REPORT_DONE)
