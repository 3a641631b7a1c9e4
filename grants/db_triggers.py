"""The SQLite triggers that keep the sums guarding money (see migration 0007 for PostgreSQL's).

SQLite rebuilds a table to alter it (a new constraint, a changed column) and the rebuilt table has
no triggers: ``ensure_sqlite_triggers`` runs after every ``migrate`` and puts back any that are gone.
Nor can SQLite rebuild a table that another table's trigger names (the payments' triggers name
``grants_decision``): ``drop_sqlite_triggers`` removes them before every ``migrate``.
"""

from __future__ import annotations

from django.db import connections

SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS grants_case_allocated_insert AFTER INSERT ON grants_case BEGIN
        UPDATE grants_call SET allocated = allocated + NEW.allocated WHERE id = NEW.call_id; END""",
    """CREATE TRIGGER IF NOT EXISTS grants_case_allocated_update AFTER UPDATE OF allocated ON grants_case BEGIN
        UPDATE grants_call SET allocated = allocated + NEW.allocated - OLD.allocated WHERE id = NEW.call_id; END""",
    """CREATE TRIGGER IF NOT EXISTS grants_case_allocated_delete AFTER DELETE ON grants_case BEGIN
        UPDATE grants_call SET allocated = allocated - OLD.allocated WHERE id = OLD.call_id; END""",
    # A payment counts in ``paid`` once it is paid (migration 0017_money_controls).
    """CREATE TRIGGER IF NOT EXISTS grants_payment_paid_insert AFTER INSERT ON grants_payment
        WHEN NEW.state = 'paid' BEGIN
        UPDATE grants_decision SET paid = paid + NEW.amount WHERE id = NEW.decision_id; END""",
    """CREATE TRIGGER IF NOT EXISTS grants_payment_paid_update AFTER UPDATE OF state ON grants_payment
        WHEN NEW.state = 'paid' AND OLD.state <> 'paid' BEGIN
        UPDATE grants_decision SET paid = paid + NEW.amount WHERE id = NEW.decision_id; END""",
]

SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        *(f"grants_case_allocated_{kind}" for kind in ("insert", "update", "delete")),
        *(f"grants_payment_paid_{kind}" for kind in ("insert", "update")),
    )
]


def drop_sqlite_triggers(sender=None, *, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for statement in SQLITE_UNINSTALL:
            cursor.execute(statement)


def ensure_sqlite_triggers(sender=None, *, using: str = "default", **kwargs) -> None:
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    if not {"grants_case", "grants_call", "grants_payment", "grants_decision"} <= tables:
        return  # migrated only part of the way (a migration test): nothing to keep yet
    with connection.cursor() as cursor:
        for statement in SQLITE_TRIGGERS:
            cursor.execute(statement)
