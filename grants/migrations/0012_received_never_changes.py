"""On PostgreSQL, what was received stays as it was received (R4, R23), as migration 0004 does for
the first columns of a submission:

- a submission's channel, the caseworker who registered it, the deadline it met or missed and its
  late flag never change;
- a document received by e-mail or post (``IncomingDocument``) keeps its file, size and SHA-256 and is
  never deleted.
"""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION grants_submission_received_frozen() RETURNS trigger AS $$
BEGIN
    IF NEW.channel IS DISTINCT FROM OLD.channel OR NEW.registered_by_id IS DISTINCT FROM OLD.registered_by_id
       OR NEW.deadline IS DISTINCT FROM OLD.deadline OR NEW.late IS DISTINCT FROM OLD.late THEN
        RAISE EXCEPTION 'grants_submission: how and when it was received never changes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_submission_received_frozen
    BEFORE UPDATE ON grants_submission
    FOR EACH ROW EXECUTE FUNCTION grants_submission_received_frozen();

CREATE OR REPLACE FUNCTION grants_incoming_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grants_incomingdocument: a received document is never deleted'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.file IS DISTINCT FROM OLD.file OR NEW.sha256 IS DISTINCT FROM OLD.sha256
       OR NEW.size IS DISTINCT FROM OLD.size OR NEW.received_on IS DISTINCT FROM OLD.received_on THEN
        RAISE EXCEPTION 'grants_incomingdocument: a received document never changes'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grants_incoming_frozen
    BEFORE UPDATE OR DELETE ON grants_incomingdocument
    FOR EACH ROW EXECUTE FUNCTION grants_incoming_frozen();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS grants_submission_received_frozen ON grants_submission;
DROP FUNCTION IF EXISTS grants_submission_received_frozen();
DROP TRIGGER IF EXISTS grants_incoming_frozen ON grants_incomingdocument;
DROP FUNCTION IF EXISTS grants_incoming_frozen();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("grants", "0011_letters_in_law")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
