from django.db import migrations

# These expressions must stay exactly those of leadfinder.selectors (FACETS_SQL, _TextSearch), or
# PostgreSQL does not use the indexes; tests/leadfinder/test_search_indexes.py checks both.
FACETS = (
    "ARRAY['s:' || seniority, 'd:' || department, 'i:' || industry, 'z:' || company_size, "
    "'c:' || country, 'ci:' || city, CASE WHEN email = '' THEN 'e:no' ELSE 'e:yes' END]"
)
INDEXES = {
    "prospect_facets": f"gin (({FACETS}))",
    "prospect_keywords_fts": "gin (to_tsvector('english'::regconfig, keywords))",
    "prospect_job_title_fts": "gin (to_tsvector('english'::regconfig, job_title))",
}


def create_search_indexes(apps, schema_editor):
    """A GIN index over each prospect's facets serves any mix of the enumerated filters, city and
    has_email in one scan; GIN full-text indexes serve keyword and job title."""
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX {name} ON leadfinder_prospect USING {definition}")


def drop_search_indexes(apps, schema_editor):
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("leadfinder", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_search_indexes, drop_search_indexes),
    ]
