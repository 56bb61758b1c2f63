from django.db import migrations

# The facets' GIN index gains a token for every two of seniority, department, industry, company size and
# country ("sd:vp:sales"): a search on several filters reads the lists of pairs, each a fraction of a single
# filter's ("c:US" alone is a third of all prospects). Built in 67 s at 10,000,000 prospects, blocking writes
# to prospects meanwhile. The expression must stay exactly leadfinder.selectors.FACETS_AND_PAIRS_SQL;
# tests/leadfinder/test_search_indexes.py checks it.
PAIRED = [("seniority", "s"), ("department", "d"), ("industry", "i"), ("company_size", "z"), ("country", "c")]
PAIRS = ", ".join(
    f"'{first_prefix}{second_prefix}:' || {first} || ':' || {second}"
    for index, (first, first_prefix) in enumerate(PAIRED)
    for second, second_prefix in PAIRED[index + 1 :]
)
FACETS_AND_PAIRS = (
    "ARRAY['s:' || seniority, 'd:' || department, 'i:' || industry, 'z:' || company_size, "
    f"'c:' || country, 'ci:' || city, CASE WHEN email = '' THEN 'e:no' ELSE 'e:yes' END, {PAIRS}]"
)
FACETS = (
    "ARRAY['s:' || seniority, 'd:' || department, 'i:' || industry, 'z:' || company_size, "
    "'c:' || country, 'ci:' || city, CASE WHEN email = '' THEN 'e:no' ELSE 'e:yes' END]"
)


def replace_index(expression):
    def replace(apps, schema_editor):
        # One pass in memory (as migration 0006), for this transaction only.
        schema_editor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        schema_editor.execute("DROP INDEX IF EXISTS prospect_facets")
        schema_editor.execute(
            f"CREATE INDEX prospect_facets ON leadfinder_prospect USING gin (({expression}))"
        )
        # The planner's statistics of the new expression (its estimates decide what a search counts).
        schema_editor.execute("ANALYZE leadfinder_prospect")

    return replace


class Migration(migrations.Migration):
    dependencies = [
        ("leadfinder", "0006_search_facets_and_keywords"),
    ]

    operations = [
        migrations.RunPython(replace_index(FACETS_AND_PAIRS), replace_index(FACETS)),
    ]
