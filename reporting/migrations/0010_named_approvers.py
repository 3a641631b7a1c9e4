"""The approval of the accounts keeps the approver's name and title as they were (R21); approvals made
before get the name and title their users have now."""

from django.db import migrations, models


def fill_names(apps, schema_editor):
    AccountsApproval = apps.get_model("reporting", "AccountsApproval")
    for approval in AccountsApproval.objects.select_related("user").filter(name=""):
        approval.name, approval.title = approval.user.full_name, approval.user.title
        approval.save(update_fields=["name", "title"])


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0009_text_limits"),
        ("grants", "0020_multi_year_and_approvers"),
    ]

    operations = [
        migrations.AddField(
            model_name="accountsapproval",
            name="name",
            field=models.CharField(blank=True, max_length=200, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="accountsapproval",
            name="title",
            field=models.CharField(blank=True, max_length=200, verbose_name="stillingstittel"),
        ),
        migrations.RunPython(fill_names, migrations.RunPython.noop),
    ]
