from importlib import import_module

from django.db import migrations

# One GIN index over a prospect's facets (those of migration 0002) and the words of its keywords (as migration
# 0003 reads them): a search by keyword and filters is then one scan of one index, which intersects its
# lists inside the index (GIN's fast scan from the shortest), rather than two bitmaps of hundreds of
# thousands of rows each, ANDed (at 10,000,000 prospects: 3-7 times faster, docs/benchmarks.md). It serves
# a keyword alone too: the keyword-only index goes. The expression must stay exactly that of
# leadfinder.selectors.FACETS_WORDS_SQL; tests/leadfinder/test_search_indexes.py checks it.
facets = import_module("leadfinder.migrations.0002_search_indexes").FACETS
words = import_module("leadfinder.migrations.0003_search_words").TEXT
FACETS_WORDS = f"({facets} || tsvector_to_array({words.format(column='keywords')}))"
KEYWORDS_ONLY = f"gin (({words.format(column='keywords')}))"


def create_index(apps, schema_editor):
    # A GIN index built in memory is built in one pass (2 min 43 s at 10,000,000 prospects; 64MB, the
    # default, takes longer). For this transaction only.
    schema_editor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    schema_editor.execute(
        f"CREATE INDEX prospect_facets_keywords ON leadfinder_prospect USING gin (({FACETS_WORDS}))"
    )
    schema_editor.execute("DROP INDEX IF EXISTS prospect_keywords_fts")
    # The planner's statistics of the new expression (until then it guesses how many rows a search matches).
    schema_editor.execute("ANALYZE leadfinder_prospect")


def drop_index(apps, schema_editor):
    schema_editor.execute(f"CREATE INDEX prospect_keywords_fts ON leadfinder_prospect USING {KEYWORDS_ONLY}")
    schema_editor.execute("DROP INDEX IF EXISTS prospect_facets_keywords")


class Migration(migrations.Migration):
    dependencies = [
        ("leadfinder", "0005_prospect_email_bounced"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
