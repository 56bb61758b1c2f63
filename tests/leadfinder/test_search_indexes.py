"""PostgreSQL uses an expression index only for the very expression it was built on: the queries of
leadfinder.selectors and the indexes of migrations 0002 (facets) and 0003 (words) must agree."""

from importlib import import_module

import pytest
from django.db import connection

from leadfinder import selectors
from leadfinder.selectors import ProspectFilters

migration = import_module("leadfinder.migrations.0002_search_indexes")
words_migration = import_module("leadfinder.migrations.0003_search_words")
facets_words_migration = import_module("leadfinder.migrations.0006_search_facets_and_keywords")


def test_the_facets_index_is_built_on_the_expression_the_searches_use():
    assert selectors.FACETS_SQL.format(**{name: name for name in selectors.FACET_COLUMNS}) == migration.FACETS


def test_the_word_indexes_are_built_on_the_expression_the_searches_use():
    assert selectors.TEXT_SQL == words_migration.TEXT


def test_the_index_of_facets_and_keywords_is_built_on_the_expression_the_searches_use():
    columns = {name: name for name in [*selectors.FACET_COLUMNS, "keywords"]}
    assert selectors.FACETS_WORDS_SQL.format(**columns) == facets_words_migration.FACETS_WORDS


@pytest.mark.django_db
def test_a_keyword_with_filters_is_one_scan_of_one_index(workspace):
    """At 10,000,000 prospects ANDing a bitmap of the facets' index with one of a keyword index took 3-7
    times as long as one scan of an index of both (docs/benchmarks.md)."""
    filters = ProspectFilters(keyword="labs", industry=("software",), country=("US", "CA"))
    prospects = selectors.prospects_search(workspace=workspace, filters=filters)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = prospects.order_by().values("pk").explain()

    assert plan.count("Bitmap Index Scan") == 1
    assert "Bitmap Index Scan on prospect_facets_keywords" in plan


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("filters", "index"),
    [
        (ProspectFilters(seniority=("vp",), country=("US", "DE"), has_email=True), "prospect_facets"),
        (ProspectFilters(city=("Berlin",)), "prospect_facets"),
        (ProspectFilters(keyword="sales man"), "prospect_facets_keywords"),
        (ProspectFilters(job_title=("cto", "head of sales")), "prospect_job_title_fts"),
    ],
)
def test_searches_can_use_their_index(workspace, filters, index):
    prospects = selectors.prospects_search(workspace=workspace, filters=filters)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        plan = prospects.order_by().values("pk").explain()

    assert f"Bitmap Index Scan on {index}" in plan
