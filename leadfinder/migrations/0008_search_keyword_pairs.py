from importlib import import_module

from django.db import migrations

# The index of facets and keywords (migration 0006) gains the pair tokens of migration 0007: a keyword with
# several filters reads a pair's list rather than each filter's ("software engineer", 1001-5000, US: 55 -> 27
# ms to count at 10,000,000 prospects; docs/benchmarks.md). Built in about 2 min 40 s at 10,000,000 (it
# reads the words of every row), blocking writes to prospects meanwhile; 506 MB instead of 270. The
# expression must stay exactly leadfinder.selectors.FACETS_WORDS_SQL; tests/leadfinder/test_search_indexes.py
# checks it.
words = import_module("leadfinder.migrations.0003_search_words").TEXT.format(column="keywords")
pairs = import_module("leadfinder.migrations.0007_search_facet_pairs")
FACETS_PAIRS_WORDS = f"({pairs.FACETS_AND_PAIRS} || tsvector_to_array({words}))"
FACETS_WORDS = import_module("leadfinder.migrations.0006_search_facets_and_keywords").FACETS_WORDS


def replace_index(expression):
    def replace(apps, schema_editor):
        # One pass in memory (as migration 0006), for this transaction only.
        schema_editor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        schema_editor.execute("DROP INDEX IF EXISTS prospect_facets_keywords")
        schema_editor.execute(
            f"CREATE INDEX prospect_facets_keywords ON leadfinder_prospect USING gin (({expression}))"
        )
        schema_editor.execute("ANALYZE leadfinder_prospect")

    return replace


class Migration(migrations.Migration):
    dependencies = [
        ("leadfinder", "0007_search_facet_pairs"),
    ]

    operations = [
        migrations.RunPython(replace_index(FACETS_PAIRS_WORDS), replace_index(FACETS_WORDS)),
    ]
