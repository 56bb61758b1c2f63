import django.db.models.functions.text
from django.db import migrations, models

TRIGRAM_INDEX = "lead_search_text_trgm"


def create_trigram_index(apps, schema_editor):
    """A trigram GIN index makes ``search_text LIKE '%…%'`` an index scan."""
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(f"CREATE INDEX {TRIGRAM_INDEX} ON leads_lead USING gin (search_text gin_trgm_ops)")


def drop_trigram_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="lead",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Lower(
                    django.db.models.functions.text.Concat(
                        "email",
                        models.Value(" "),
                        "first_name",
                        models.Value(" "),
                        "last_name",
                        models.Value(" "),
                        "company_name",
                    )
                ),
                output_field=models.TextField(),
            ),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
