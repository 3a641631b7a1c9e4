"""Claims for the notices about reports and repayments (issue 13): IMDi told of a submitted report
and of the county's comments, the county told of its report's return or approval and of a recorded
repayment, each e-mailed once and claimed on these columns. Rows that existed before are marked as
told, so that the sweep does not e-mail anyone about old events."""

from django.db import migrations, models
from django.db.models import F


def mark_existing_as_told(apps, schema_editor):
    AnnualReport = apps.get_model("reporting", "AnnualReport")
    RepaymentClaim = apps.get_model("reporting", "RepaymentClaim")
    AnnualReport.objects.filter(submitted_at__isnull=False).update(imdi_notified_at=F("submitted_at"))
    AnnualReport.objects.filter(approved_at__isnull=False).update(county_notified_at=F("approved_at"))
    AnnualReport.objects.filter(approved_at__isnull=True, returned_at__isnull=False).update(
        county_notified_at=F("returned_at")
    )
    RepaymentClaim.objects.filter(commented_at__isnull=False).update(comment_notified_at=F("commented_at"))
    RepaymentClaim.objects.filter(repaid_recorded_at__isnull=False).update(repaid_notified_at=F("repaid_recorded_at"))


class Migration(migrations.Migration):
    dependencies = [("reporting", "0005_attachment_size_big")]

    operations = [
        migrations.AddField(
            model_name="annualreport", name="county_notified_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="annualreport", name="imdi_notified_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="repaymentclaim",
            name="comment_notified_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="IMDi varslet om merknadene"),
        ),
        migrations.AddField(
            model_name="repaymentclaim",
            name="repaid_notified_at",
            field=models.DateTimeField(
                blank=True, null=True, verbose_name="fylkeskommunen varslet om tilbakebetalingen"
            ),
        ),
        migrations.RunPython(mark_existing_as_told, migrations.RunPython.noop),
    ]
