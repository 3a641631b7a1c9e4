"""Who at IMDi hears of what (issue 13): the calls each person follows, the daily digest claimed per
person per day, and the claims for the e-mails about an appeal. Appeals that existed before are marked
as told, so that the sweep does not e-mail anybody about old appeals."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import F
from django.db.models.functions import Coalesce


def mark_existing_as_told(apps, schema_editor):
    Appeal = apps.get_model("grants", "Appeal")
    Appeal.objects.update(received_notified_at=F("filed_at"))
    Appeal.objects.filter(forwarded_at__isnull=False).update(forwarded_notified_at=F("forwarded_at"))
    Appeal.objects.exclude(state__in=["received", "forwarded"]).update(
        outcome_notified_at=Coalesce(F("closed_at"), F("filed_at"))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0013_notices"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="appeal",
            name="forwarded_notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appeal",
            name="outcome_notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="appeal",
            name="received_notified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.CreateModel(
            name="CallFollow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "call",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="follows",
                        to="grants.call",
                        verbose_name="utlysning",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="call_follows",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "fulgt utlysning",
                "verbose_name_plural": "fulgte utlysninger",
                "ordering": ["user", "call"],
                "constraints": [models.UniqueConstraint(fields=("user", "call"), name="call_follow_once")],
            },
        ),
        migrations.CreateModel(
            name="NoticeDigest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="dag")),
                ("events", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notice_digests",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "daglig sammendrag",
                "verbose_name_plural": "daglige sammendrag",
                "ordering": ["-day", "user"],
                "constraints": [models.UniqueConstraint(fields=("user", "day"), name="notice_digest_once_a_day")],
            },
        ),
        migrations.RunPython(mark_existing_as_told, migrations.RunPython.noop),
    ]
