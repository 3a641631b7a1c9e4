"""Claims for the notices to IMDi's caseworkers (issue 13): a new submission and an acceptance are
e-mailed once, claimed on these columns. Rows that existed before are marked as told, so that the
sweep does not e-mail IMDi about old submissions and acceptances."""

from django.db import migrations, models
from django.db.models import F


def mark_existing_as_told(apps, schema_editor):
    Submission = apps.get_model("grants", "Submission")
    Decision = apps.get_model("grants", "Decision")
    Submission.objects.update(imdi_notified_at=F("confirmed_at"))
    Decision.objects.filter(accepted_at__isnull=False).update(acceptance_notified_at=F("accepted_at"))


class Migration(migrations.Migration):
    dependencies = [("grants", "0012_received_never_changes")]

    operations = [
        migrations.AddField(
            model_name="decision", name="acceptance_notified_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="submission", name="imdi_notified_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.RunPython(mark_existing_as_told, migrations.RunPython.noop),
    ]
