"""An organisation's name in both written standards (portal.translation, django-modeltranslation): the
stored name is copied into the bokmål column; the nynorsk one starts empty, and a name with no nynorsk
reads as the bokmål one (a county's is the same in both). IMDi's nynorsk name is filled in by
``load_calls``, which production runs on every start. Going back copies the bokmål column into the
original one."""

from django.db import migrations, models
from django.db.models import F


def to_bokmal(apps, schema_editor):
    apps.get_model("portal", "Organisation").objects.update(name_nb=F("name"))


def from_bokmal(apps, schema_editor):
    apps.get_model("portal", "Organisation").objects.filter(name_nb__isnull=False).update(name=F("name_nb"))


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_user_notice_choice"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="organisation",
            options={"ordering": ["name_nb"], "verbose_name": "organisasjon", "verbose_name_plural": "organisasjoner"},
        ),
        migrations.AddField(
            model_name="organisation",
            name="name_nb",
            field=models.CharField(max_length=200, null=True, unique=True, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="organisation",
            name="name_nn",
            field=models.CharField(max_length=200, null=True, unique=True, verbose_name="navn"),
        ),
        migrations.RunPython(to_bokmal, from_bokmal),
    ]
