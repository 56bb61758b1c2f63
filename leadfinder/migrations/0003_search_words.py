from django.db import migrations

# Full-text search of keywords and job titles by their words, every one of them: the English stemmer
# (engineer finds Engineering) without its stop-word list, which dropped words such as "IT" (a search for
# "IT Manager" found every manager), and with any run of characters that are not letters or digits read
# as a space, so that "Sales/Marketing" and "Booking.com" are words too (the parser kept them whole).
# The index expressions must stay exactly those of leadfinder.selectors (TEXT_SQL, _TextSearch), or
# PostgreSQL does not use the indexes; tests/leadfinder/test_search_indexes.py checks both.
CONFIGURATION = "leadpool_words"
TEXT = "to_tsvector('leadpool_words'::regconfig, regexp_replace({column}, '[^[:alnum:]]+', ' ', 'g'))"
CREATE_CONFIGURATION = [
    "CREATE TEXT SEARCH DICTIONARY leadpool_english_stem (TEMPLATE = snowball, LANGUAGE = english)",
    f"CREATE TEXT SEARCH CONFIGURATION {CONFIGURATION} (COPY = pg_catalog.english)",
    f"ALTER TEXT SEARCH CONFIGURATION {CONFIGURATION} ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH leadpool_english_stem",
]
INDEXES = {"prospect_keywords_fts": "keywords", "prospect_job_title_fts": "job_title"}


def use_words(apps, schema_editor):
    for statement in CREATE_CONFIGURATION:
        schema_editor.execute(statement)
    for name, column in INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        expression = TEXT.format(column=column)
        schema_editor.execute(f"CREATE INDEX {name} ON leadfinder_prospect USING gin (({expression}))")


def use_english(apps, schema_editor):
    for name, column in INDEXES.items():
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(
            f"CREATE INDEX {name} ON leadfinder_prospect USING gin (to_tsvector('english'::regconfig, {column}))"
        )
    schema_editor.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS {CONFIGURATION}")
    schema_editor.execute("DROP TEXT SEARCH DICTIONARY IF EXISTS leadpool_english_stem")


class Migration(migrations.Migration):
    dependencies = [
        ("leadfinder", "0002_search_indexes"),
    ]

    operations = [
        migrations.RunPython(use_words, use_english),
    ]
