"""The database keeps the sums that protect money, whoever writes (R5, R17):

- ``grants_call.allocated`` is the sum of its cases' ``allocated``: a trigger adds each change, and
  the CHECK ``call_allocated_within_pot`` refuses a sum above the pot. A raw UPDATE of a case that
  would overspend fails like the portal's own; concurrent allocations serialise on the call row.
- ``grants_decision.paid`` is the sum of its payments: the CHECKs refuse paying more than the grant,
  or anything before the county has accepted it.

Both vendors get these triggers. PostgreSQL also refuses, as in migration 0004, to let anything but
the trigger set ``allocated``, to change or delete a payment, to change an approved decision's
substance, or to replace an issued letter. (SQLite, the embedded default, has no such refusals:
Django's test teardown empties tables with DELETE there.)

Every case of an application already submitted gets its row (created at submission from now on).
"""

from django.db import migrations

POSTGRES = """
CREATE OR REPLACE FUNCTION grants_case_allocated_sum() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE grants_call SET allocated = allocated + NEW.allocated WHERE id = NEW.call_id;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE grants_call SET allocated = allocated - OLD.allocated WHERE id = OLD.call_id;
    ELSE
        IF NEW.call_id IS DISTINCT FROM OLD.call_id THEN
            RAISE EXCEPTION 'grants_case: a case never moves to another call'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF NEW.allocated IS DISTINCT FROM OLD.allocated THEN
            UPDATE grants_call SET allocated = allocated + NEW.allocated - OLD.allocated WHERE id = NEW.call_id;
        END IF;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_case_allocated_sum
    AFTER INSERT OR UPDATE OR DELETE ON grants_case
    FOR EACH ROW EXECUTE FUNCTION grants_case_allocated_sum();

CREATE OR REPLACE FUNCTION grants_call_allocated_by_trigger() RETURNS trigger AS $$
BEGIN
    IF NEW.allocated IS DISTINCT FROM OLD.allocated AND pg_trigger_depth() < 2 THEN
        RAISE EXCEPTION 'grants_call: allocated is the sum of the cases and only the trigger sets it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_call_allocated_by_trigger
    BEFORE UPDATE ON grants_call
    FOR EACH ROW EXECUTE FUNCTION grants_call_allocated_by_trigger();

CREATE OR REPLACE FUNCTION grants_payment_sum() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE grants_decision SET paid = paid + NEW.amount WHERE id = NEW.decision_id;
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'grants_payment: a registered payment is never changed or deleted'
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_payment_sum
    AFTER INSERT OR UPDATE OR DELETE ON grants_payment
    FOR EACH ROW EXECUTE FUNCTION grants_payment_sum();

CREATE OR REPLACE FUNCTION grants_decision_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grants_decision: a decision is never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.approved_at IS NOT NULL AND (
           NEW.kind IS DISTINCT FROM OLD.kind OR NEW.amount IS DISTINCT FROM OLD.amount
        OR NEW.requested IS DISTINCT FROM OLD.requested OR NEW.rules IS DISTINCT FROM OLD.rules
        OR NEW.facts IS DISTINCT FROM OLD.facts OR NEW.considerations IS DISTINCT FROM OLD.considerations
        OR NEW.conditions IS DISTINCT FROM OLD.conditions OR NEW.report_deadline IS DISTINCT FROM OLD.report_deadline
        OR NEW.proposed_by_id IS DISTINCT FROM OLD.proposed_by_id OR NEW.approved_by_id IS DISTINCT FROM OLD.approved_by_id
        OR NEW.approved_at IS DISTINCT FROM OLD.approved_at OR NEW.case_id IS DISTINCT FROM OLD.case_id
        OR (OLD.accepted_at IS NOT NULL AND NEW.accepted_at IS DISTINCT FROM OLD.accepted_at)) THEN
        RAISE EXCEPTION 'grants_decision: an approved decision never changes' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_decision_frozen
    BEFORE UPDATE OR DELETE ON grants_decision
    FOR EACH ROW EXECUTE FUNCTION grants_decision_frozen();

CREATE OR REPLACE FUNCTION grants_letter_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grants_letter: a letter is never deleted' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF (OLD.sha256 <> '' AND (NEW.sha256 IS DISTINCT FROM OLD.sha256 OR NEW.file IS DISTINCT FROM OLD.file
            OR NEW.issued_at IS DISTINCT FROM OLD.issued_at))
       OR NEW.decision_id IS DISTINCT FROM OLD.decision_id OR NEW.reference IS DISTINCT FROM OLD.reference THEN
        RAISE EXCEPTION 'grants_letter: an issued letter never changes' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_letter_frozen
    BEFORE UPDATE OR DELETE ON grants_letter
    FOR EACH ROW EXECUTE FUNCTION grants_letter_frozen();
"""

POSTGRES_BACKWARD = """
DROP TRIGGER IF EXISTS grants_letter_frozen ON grants_letter;
DROP FUNCTION IF EXISTS grants_letter_frozen();
DROP TRIGGER IF EXISTS grants_decision_frozen ON grants_decision;
DROP FUNCTION IF EXISTS grants_decision_frozen();
DROP TRIGGER IF EXISTS grants_payment_sum ON grants_payment;
DROP FUNCTION IF EXISTS grants_payment_sum();
DROP TRIGGER IF EXISTS grants_call_allocated_by_trigger ON grants_call;
DROP FUNCTION IF EXISTS grants_call_allocated_by_trigger();
DROP TRIGGER IF EXISTS grants_case_allocated_sum ON grants_case;
DROP FUNCTION IF EXISTS grants_case_allocated_sum();
"""

SQLITE = [
    """CREATE TRIGGER grants_case_allocated_insert AFTER INSERT ON grants_case BEGIN
        UPDATE grants_call SET allocated = allocated + NEW.allocated WHERE id = NEW.call_id; END""",
    """CREATE TRIGGER grants_case_allocated_update AFTER UPDATE OF allocated ON grants_case BEGIN
        UPDATE grants_call SET allocated = allocated + NEW.allocated - OLD.allocated WHERE id = NEW.call_id; END""",
    """CREATE TRIGGER grants_case_allocated_delete AFTER DELETE ON grants_case BEGIN
        UPDATE grants_call SET allocated = allocated - OLD.allocated WHERE id = OLD.call_id; END""",
    """CREATE TRIGGER grants_payment_sum AFTER INSERT ON grants_payment BEGIN
        UPDATE grants_decision SET paid = paid + NEW.amount WHERE id = NEW.decision_id; END""",
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS grants_case_allocated_insert",
    "DROP TRIGGER IF EXISTS grants_case_allocated_update",
    "DROP TRIGGER IF EXISTS grants_case_allocated_delete",
    "DROP TRIGGER IF EXISTS grants_payment_sum",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES)
    elif vendor == "sqlite":
        for statement in SQLITE:
            schema_editor.execute(statement)
    Application = apps.get_model("grants", "Application")
    Case = apps.get_model("grants", "Case")
    for application in Application.objects.filter(submissions__isnull=False).distinct():
        Case.objects.get_or_create(application=application, defaults={"call_id": application.call_id})


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_BACKWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("grants", "0006_cases")]

    operations = [migrations.RunPython(forward, backward)]
