"""On PostgreSQL, the database itself refuses to change what was submitted (R12, R23):

- a submission's snapshot, total, number, sender, confirmer, times and authority never change, and
  it is never deleted; its receipt may be stored once (from empty to a file) and never replaced; a
  withdrawal is recorded once;
- (SQLite, the embedded default, has no such triggers: Django's test teardown empties tables with
  DELETE there, where PostgreSQL uses TRUNCATE.)
- an uploaded agreement's file, size and SHA-256 never change, and it is never deleted.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION grants_submission_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grants_submission: a submission is never deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.snapshot IS DISTINCT FROM OLD.snapshot OR NEW.total IS DISTINCT FROM OLD.total
       OR NEW.number IS DISTINCT FROM OLD.number OR NEW.application_id IS DISTINCT FROM OLD.application_id
       OR NEW.confirmed_by_id IS DISTINCT FROM OLD.confirmed_by_id
       OR NEW.confirmed_at IS DISTINCT FROM OLD.confirmed_at OR NEW.authority IS DISTINCT FROM OLD.authority
       OR NEW.sent_by_id IS DISTINCT FROM OLD.sent_by_id OR NEW.sent_at IS DISTINCT FROM OLD.sent_at
       OR (OLD.receipt <> '' AND NEW.receipt IS DISTINCT FROM OLD.receipt)
       OR (OLD.receipt_sha256 <> '' AND NEW.receipt_sha256 IS DISTINCT FROM OLD.receipt_sha256)
       OR (OLD.withdrawn_at IS NOT NULL AND (NEW.withdrawn_at IS DISTINCT FROM OLD.withdrawn_at
           OR NEW.withdrawn_by_id IS DISTINCT FROM OLD.withdrawn_by_id)) THEN
        RAISE EXCEPTION 'grants_submission: what was submitted never changes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_submission_frozen
    BEFORE UPDATE OR DELETE ON grants_submission
    FOR EACH ROW EXECUTE FUNCTION grants_submission_frozen();

CREATE OR REPLACE FUNCTION grants_agreement_file_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grants_cooperationagreement: an uploaded agreement is never deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.file IS DISTINCT FROM OLD.file OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.size IS DISTINCT FROM OLD.size OR NEW.application_id IS DISTINCT FROM OLD.application_id THEN
        RAISE EXCEPTION 'grants_cooperationagreement: an uploaded file never changes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_agreement_file_frozen
    BEFORE UPDATE OR DELETE ON grants_cooperationagreement
    FOR EACH ROW EXECUTE FUNCTION grants_agreement_file_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS grants_submission_frozen ON grants_submission;
DROP FUNCTION IF EXISTS grants_submission_frozen();
DROP TRIGGER IF EXISTS grants_agreement_file_frozen ON grants_cooperationagreement;
DROP FUNCTION IF EXISTS grants_agreement_file_frozen();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("grants", "0003_applications")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
