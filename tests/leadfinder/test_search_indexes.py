"""PostgreSQL uses an expression index only for the very expression it was built on: the queries of
leadfinder.selectors and the indexes of migrations 0002 (facets), 0003 (words), 0006 (facets and keywords),
0007 (facets and pairs) and 0008 (facets, pairs and keywords) must agree."""

from importlib import import_module

import pytest
from django.db import connection

from leadfinder import selectors
from leadfinder.selectors import ProspectFilters

migration = import_module("leadfinder.migrations.0002_search_indexes")
words_migration = import_module("leadfinder.migrations.0003_search_words")
facets_words_migration = import_module("leadfinder.migrations.0006_search_facets_and_keywords")
pairs_migration = import_module("leadfinder.migrations.0007_search_facet_pairs")
keyword_pairs_migration = import_module("leadfinder.migrations.0008_search_keyword_pairs")


def bitmap_plan(workspace, filters):
    """EXPLAIN of a search's matches as the planner would read many of them (an empty test table would
    otherwise be read whole)."""
    prospects = selectors.prospects_search(workspace=workspace, filters=filters)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return prospects.order_by().values("pk").explain()


def test_the_facets_index_is_built_on_the_expression_the_searches_use():
    assert selectors.FACETS_SQL.format(**{name: name for name in selectors.FACET_COLUMNS}) == migration.FACETS


def test_the_facets_index_with_pairs_is_built_on_the_expression_the_searches_use():
    columns = {name: name for name in selectors.FACET_COLUMNS}
    assert selectors.FACETS_AND_PAIRS_SQL.format(**columns) == pairs_migration.FACETS_AND_PAIRS
    assert pairs_migration.FACETS == migration.FACETS


@pytest.mark.django_db
def test_several_filters_are_one_scan_of_the_facets_index_by_pairs(workspace):
    """At 10,000,000 prospects "director or VP, sales, US" read 4.9 million index entries as single
    tokens, 148 ms before a row was read; as a pair seniority-department and the country, 26 ms
    (docs/benchmarks.md)."""
    filters = ProspectFilters(seniority=("director", "vp"), department=("sales",), country=("US",))
    plan = bitmap_plan(workspace, filters)

    assert plan.count("Bitmap Index Scan") == 1
    assert "Bitmap Index Scan on prospect_facets " in plan
    assert "{sd:director:sales,sd:vp:sales}" in plan
    assert "{c:US}" in plan


@pytest.mark.django_db
def test_has_email_is_a_condition_on_the_row_not_on_the_index(workspace):
    """Nearly every prospect has an email: the token "e:yes" is a list of nearly all of them, which a GIN
    scan would read in full."""
    filters = ProspectFilters(country=("US",), has_email=True)
    sql, params = selectors.prospects_search(workspace=workspace, filters=filters).query.sql_with_params()

    assert ["c:US"] in params
    assert not [param for param in params if isinstance(param, list) and "e:yes" in param]
    assert 'NOT ("leadfinder_prospect"."email" = %s' in sql


@pytest.mark.parametrize(
    ("filters", "groups"),
    [
        (ProspectFilters(seniority=("vp",)), [["s:vp"]]),
        (ProspectFilters(seniority=("vp",), city=("Berlin",)), [["s:vp"], ["ci:Berlin"]]),
        (
            ProspectFilters(seniority=("director", "vp"), department=("sales",), country=("US",)),
            [["sd:director:sales", "sd:vp:sales"], ["c:US"]],
        ),
        (
            ProspectFilters(industry=("software",), company_size=("1-10", "11-50"), country=("GB", "IE")),
            [["zc:1-10:GB", "zc:1-10:IE", "zc:11-50:GB", "zc:11-50:IE"], ["i:software"]],
        ),
        (
            ProspectFilters(seniority=("vp",), department=("sales",), industry=("banking",), country=("US",)),
            [["sd:vp:sales"], ["ic:banking:US"]],
        ),
        # 5 x 5 values is more than MAX_PAIR_TOKENS: those two go alone, each may still pair with a third.
        (
            ProspectFilters(
                seniority=("owner", "c_suite", "vp", "director", "manager"),
                country=("US", "GB", "DE", "FR", "NL"),
            ),
            [
                ["s:owner", "s:c_suite", "s:vp", "s:director", "s:manager"],
                ["c:US", "c:GB", "c:DE", "c:FR", "c:NL"],
            ],
        ),
        (ProspectFilters(country=("US",), has_email=False), [["c:US"], ["e:no"]]),
        (ProspectFilters(country=("US",), has_email=True), [["c:US"]]),
    ],
)
def test_filters_pair_up_each_in_one_group(filters, groups):
    assert selectors._facet_tokens(filters) == groups


def test_the_word_indexes_are_built_on_the_expression_the_searches_use():
    assert selectors.TEXT_SQL == words_migration.TEXT


def test_the_index_of_facets_and_keywords_is_built_on_the_expression_the_searches_use():
    columns = {name: name for name in [*selectors.FACET_COLUMNS, "keywords"]}
    assert selectors.FACETS_WORDS_SQL.format(**columns) == keyword_pairs_migration.FACETS_PAIRS_WORDS
    assert keyword_pairs_migration.FACETS_WORDS == facets_words_migration.FACETS_WORDS


@pytest.mark.django_db
def test_a_keyword_with_filters_is_one_scan_of_one_index(workspace):
    """At 10,000,000 prospects ANDing a bitmap of the facets' index with one of a keyword index took 3-7
    times as long as one scan of an index of both (docs/benchmarks.md)."""
    filters = ProspectFilters(keyword="labs", industry=("software",), country=("US", "CA"))
    plan = bitmap_plan(workspace, filters)

    assert plan.count("Bitmap Index Scan") == 1
    assert "Bitmap Index Scan on prospect_facets_keywords" in plan
    assert "{ic:software:US,ic:software:CA}" in plan  # the pairs of migration 0008


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (ProspectFilters(seniority=("vp",), country=("US", "DE"), has_email=False), "prospect_facets"),
        (ProspectFilters(city=("Berlin",)), "prospect_facets"),
        (ProspectFilters(keyword="sales man"), "prospect_facets_keywords"),
        (ProspectFilters(job_title=("cto", "head of sales")), "prospect_job_title_fts"),
    ],
)
def test_searches_can_use_their_index(workspace, filters, index):
    plan = bitmap_plan(workspace, filters)

    assert f"Bitmap Index Scan on {index}" in plan
