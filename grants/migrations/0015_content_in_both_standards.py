"""Content in both written standards (grants.translation, django-modeltranslation): the texts a county
reads of schemes, calls, cost categories and criteria get a bokmål and a nynorsk column each. What is
stored is copied into the bokmål column, so nothing is lost; the nynorsk columns start empty and IMDi's
admins write them (a call cannot be published without them, ``Call.missing_nynorsk``). Going back copies
the bokmål column into the original one.

Every column is nullable and has no default, so SQLite adds it with ALTER TABLE ADD COLUMN and rebuilds
no table: the money triggers on the cases and payments (migration 0007, grants.db_triggers) stay as they
are, unlike migration 0011's, which had to drop and make them again.
"""

from django.db import migrations, models
from django.db.models import F

TEXTS = {
    "scheme": ("name", "priority_area", "legal_basis", "circular"),
    "call": (
        "title",
        "introduction",
        "purpose",
        "target_group",
        "who_may_apply",
        "conditions",
        "assessment",
        "ineligible_costs",
        "how_to_apply",
        "appeal_rules",
        "payment_terms",
        "reporting",
    ),
    "costcategory": ("name", "help_text"),
    "criterion": ("name", "description"),
}


def to_bokmal(apps, schema_editor):
    for model_name, fields in TEXTS.items():
        model = apps.get_model("grants", model_name)
        model.objects.update(**{f"{field}_nb": F(field) for field in fields})


def from_bokmal(apps, schema_editor):
    for model_name, fields in TEXTS.items():
        model = apps.get_model("grants", model_name)
        for field in fields:
            model.objects.filter(**{f"{field}_nb__isnull": False}).update(**{field: F(f"{field}_nb")})


class Migration(migrations.Migration):
    dependencies = [
        ("grants", "0014_notice_preferences"),
    ]

    operations = [
        migrations.AddField(
            model_name="call",
            name="appeal_rules_nb",
            field=models.TextField(blank=True, null=True, verbose_name="klageregler"),
        ),
        migrations.AddField(
            model_name="call",
            name="appeal_rules_nn",
            field=models.TextField(blank=True, null=True, verbose_name="klageregler"),
        ),
        migrations.AddField(
            model_name="call",
            name="assessment_nb",
            field=models.TextField(blank=True, null=True, verbose_name="slik fordeler IMDi tilskuddet"),
        ),
        migrations.AddField(
            model_name="call",
            name="assessment_nn",
            field=models.TextField(blank=True, null=True, verbose_name="slik fordeler IMDi tilskuddet"),
        ),
        migrations.AddField(
            model_name="call",
            name="conditions_nb",
            field=models.TextField(null=True, verbose_name="vilkår"),
        ),
        migrations.AddField(
            model_name="call",
            name="conditions_nn",
            field=models.TextField(null=True, verbose_name="vilkår"),
        ),
        migrations.AddField(
            model_name="call",
            name="how_to_apply_nb",
            field=models.TextField(blank=True, null=True, verbose_name="slik søker dere"),
        ),
        migrations.AddField(
            model_name="call",
            name="how_to_apply_nn",
            field=models.TextField(blank=True, null=True, verbose_name="slik søker dere"),
        ),
        migrations.AddField(
            model_name="call",
            name="ineligible_costs_nb",
            field=models.TextField(null=True, verbose_name="utgifter tilskuddet ikke kan dekke"),
        ),
        migrations.AddField(
            model_name="call",
            name="ineligible_costs_nn",
            field=models.TextField(null=True, verbose_name="utgifter tilskuddet ikke kan dekke"),
        ),
        migrations.AddField(
            model_name="call",
            name="introduction_nb",
            field=models.TextField(blank=True, null=True, verbose_name="innledning"),
        ),
        migrations.AddField(
            model_name="call",
            name="introduction_nn",
            field=models.TextField(blank=True, null=True, verbose_name="innledning"),
        ),
        migrations.AddField(
            model_name="call",
            name="payment_terms_nb",
            field=models.TextField(blank=True, null=True, verbose_name="utbetaling"),
        ),
        migrations.AddField(
            model_name="call",
            name="payment_terms_nn",
            field=models.TextField(blank=True, null=True, verbose_name="utbetaling"),
        ),
        migrations.AddField(
            model_name="call",
            name="purpose_nb",
            field=models.TextField(null=True, verbose_name="formål"),
        ),
        migrations.AddField(
            model_name="call",
            name="purpose_nn",
            field=models.TextField(null=True, verbose_name="formål"),
        ),
        migrations.AddField(
            model_name="call",
            name="reporting_nb",
            field=models.TextField(blank=True, null=True, verbose_name="rapportering"),
        ),
        migrations.AddField(
            model_name="call",
            name="reporting_nn",
            field=models.TextField(blank=True, null=True, verbose_name="rapportering"),
        ),
        migrations.AddField(
            model_name="call",
            name="target_group_nb",
            field=models.TextField(null=True, verbose_name="målgruppe"),
        ),
        migrations.AddField(
            model_name="call",
            name="target_group_nn",
            field=models.TextField(null=True, verbose_name="målgruppe"),
        ),
        migrations.AddField(
            model_name="call",
            name="title_nb",
            field=models.CharField(max_length=300, null=True, verbose_name="tittel"),
        ),
        migrations.AddField(
            model_name="call",
            name="title_nn",
            field=models.CharField(max_length=300, null=True, verbose_name="tittel"),
        ),
        migrations.AddField(
            model_name="call",
            name="who_may_apply_nb",
            field=models.TextField(null=True, verbose_name="hvem kan søke"),
        ),
        migrations.AddField(
            model_name="call",
            name="who_may_apply_nn",
            field=models.TextField(null=True, verbose_name="hvem kan søke"),
        ),
        migrations.AddField(
            model_name="costcategory",
            name="help_text_nb",
            field=models.TextField(blank=True, null=True, verbose_name="hjelpetekst"),
        ),
        migrations.AddField(
            model_name="costcategory",
            name="help_text_nn",
            field=models.TextField(blank=True, null=True, verbose_name="hjelpetekst"),
        ),
        migrations.AddField(
            model_name="costcategory",
            name="name_nb",
            field=models.CharField(max_length=300, null=True, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="costcategory",
            name="name_nn",
            field=models.CharField(max_length=300, null=True, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="criterion",
            name="description_nb",
            field=models.TextField(blank=True, null=True, verbose_name="beskrivelse"),
        ),
        migrations.AddField(
            model_name="criterion",
            name="description_nn",
            field=models.TextField(blank=True, null=True, verbose_name="beskrivelse"),
        ),
        migrations.AddField(
            model_name="criterion",
            name="name_nb",
            field=models.CharField(max_length=300, null=True, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="criterion",
            name="name_nn",
            field=models.CharField(max_length=300, null=True, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="circular_nb",
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name="hovedrundskriv"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="circular_nn",
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name="hovedrundskriv"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="legal_basis_nb",
            field=models.TextField(blank=True, null=True, verbose_name="hjemmel og retningslinjer"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="legal_basis_nn",
            field=models.TextField(blank=True, null=True, verbose_name="hjemmel og retningslinjer"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="name_nb",
            field=models.CharField(max_length=300, null=True, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="name_nn",
            field=models.CharField(max_length=300, null=True, verbose_name="navn"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="priority_area_nb",
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name="satsingsområde"),
        ),
        migrations.AddField(
            model_name="scheme",
            name="priority_area_nn",
            field=models.CharField(blank=True, max_length=300, null=True, verbose_name="satsingsområde"),
        ),
        migrations.RunPython(to_bokmal, from_bokmal),
    ]
