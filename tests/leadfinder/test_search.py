"""Searching the Lead Finder: filters, keyword, counting and pages (API ``/leadfinder/prospects``)."""

import base64
from contextlib import contextmanager

import pytest
from django.db import connection

from billing.models import LedgerEntry
from leadfinder import selectors, services
from tests.factories import make_prospects

pytestmark = pytest.mark.django_db

URL = "/api/v1/leadfinder/prospects"


@contextmanager
def recorded_sql():
    """The SQL run meanwhile (CaptureQueriesContext loses a request's: each request resets the log)."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def ids_of(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def newest_first(prospects):
    return sorted((p.pk for p in prospects), reverse=True)


def test_values_of_one_filter_are_any_of_and_filters_are_all_of(api_client):
    vp_us = make_prospects(2, seniority="vp", country="US")
    director_de = make_prospects(2, seniority="director", country="DE")
    make_prospects(2, seniority="vp", country="FR")
    make_prospects(2, seniority="manager", country="US")

    response = api_client.get(URL, {"seniority": ["vp", "director"], "country": ["US", "DE"]})

    assert ids_of(response) == newest_first([*vp_us, *director_de])
    assert response.json()["count"] == 4
    assert response.json()["count_is_exact"] is True


@pytest.mark.parametrize(
    ("keyword", "expected"),
    [
        ("ada", "ada"),
        ("LOVELACE", "ada"),
        ("analytical engineer", "ada"),
        ("Babbage Ltd", "charles"),
        ("cto", "grace"),
    ],
)
def test_keyword_matches_all_its_words_in_the_name_title_or_company(api_client, keyword, expected):
    people = {
        "ada": make_prospects(1, first_name="Ada", last_name="Lovelace", job_title="Analytical Engineer")[0],
        "charles": make_prospects(1, first_name="Charles", company_name="Babbage Ltd")[0],
        "grace": make_prospects(1, first_name="Grace", job_title="CTO")[0],
    }

    assert ids_of(api_client.get(URL, {"keyword": keyword})) == [people[expected].pk]


@pytest.mark.parametrize(
    ("field", "text", "query"),
    [
        ("job_title", "IT Manager", "IT Manager"),  # "it" is an English stop word: it must still count
        ("job_title", "IT Support Specialist", "IT"),
        ("job_title", "Sales/Marketing Manager", "marketing manager"),
        ("company_name", "Booking.com", "booking"),
        ("job_title", "Head of Engineering", "engineer"),  # stemmed, as before
    ],
)
def test_every_word_counts_stop_words_and_words_joined_by_punctuation_too(api_client, field, text, query):
    wanted = make_prospects(1, **{field: text})[0]
    make_prospects(1, job_title="Sales Manager", company_name="Acme")
    parameter = "keyword" if field == "company_name" else "job_title"

    assert ids_of(api_client.get(URL, {parameter: query})) == [wanted.pk]


def test_keyword_does_not_search_emails(api_client):
    make_prospects(1, email="secret.person@hidden.io")

    assert ids_of(api_client.get(URL, {"keyword": "secret"})) == []


def test_job_title_takes_several_titles_each_matching_all_its_words(api_client):
    sales_managers = make_prospects(2, job_title="Regional Sales Manager")
    ctos = make_prospects(1, job_title="CTO")
    make_prospects(2, job_title="Marketing Manager")

    response = api_client.get(URL, {"job_title": ["sales manager", "cto"]})

    assert ids_of(response) == newest_first([*sales_managers, *ctos])


def test_city_industry_size_and_department_filters(api_client):
    [wanted] = make_prospects(
        1, city="London", industry="banking", company_size="10001+", department="finance"
    )
    make_prospects(1, city="London", industry="banking", company_size="1-10", department="finance")
    make_prospects(1, city="Paris", industry="banking", company_size="10001+", department="finance")

    response = api_client.get(
        URL, {"city": "London", "industry": "banking", "company_size": "10001+", "department": "finance"}
    )

    assert ids_of(response) == [wanted.pk]


def test_has_email_and_owned_filters(api_client, workspace):
    with_email = make_prospects(2)
    [without] = make_prospects(1, email="")
    services.download_create(workspace=workspace, prospect_ids=[with_email[0].pk])

    assert ids_of(api_client.get(URL, {"has_email": "false"})) == [without.pk]
    assert ids_of(api_client.get(URL, {"has_email": "true"})) == newest_first(with_email)
    assert ids_of(api_client.get(URL, {"owned": "true"})) == [with_email[0].pk]
    assert ids_of(api_client.get(URL, {"owned": "false"})) == [without.pk, with_email[1].pk]


def test_pages_follow_the_next_cursor_without_overlap_and_the_count_stays(api_client):
    prospects = make_prospects(7)

    seen, url, counts = [], URL + "?limit=3", set()
    while url:
        page = api_client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        counts.add(page["count"])
        url = page["next"]

    assert seen == newest_first(prospects)
    assert counts == {7}


def test_pages_after_the_first_carry_its_count_and_do_not_count_again(api_client):
    """The ``next`` cursor carries the first page's count: a later page shows it without counting (no
    EXPLAIN, no ids fetched), even when prospects were added meanwhile."""
    make_prospects(5, job_title="Engineer")
    first = api_client.get(URL, {"job_title": "engineer", "limit": 2}).json()
    make_prospects(3, job_title="Engineer")

    with recorded_sql() as queries:
        second = api_client.get(first["next"]).json()

    assert (first["count"], first["count_is_exact"]) == (5, True)
    assert (second["count"], second["count_is_exact"]) == (5, True)
    assert len(second["results"]) == 2
    assert not [sql for sql in queries if sql.startswith("EXPLAIN")]
    assert len([sql for sql in queries if "to_tsvector" in sql]) == 1  # the page, nothing else


def test_an_estimated_count_is_carried_as_an_estimate(api_client, monkeypatch):
    monkeypatch.setattr(selectors, "COUNT_ESTIMATE_ONLY_ABOVE", 0)
    make_prospects(3)
    first = api_client.get(URL, {"limit": 1}).json()

    second = api_client.get(first["next"]).json()

    assert first["count_is_exact"] is False
    assert (second["count"], second["count_is_exact"]) == (first["count"], False)


@pytest.mark.parametrize(
    "tokens", ["p=5&n=x&x=1", "p=5&n=5&x=2", "p=5&n=-1&x=1", "p=5&n=5", "p=5&n=1234567890123&x=0"]
)
def test_a_cursor_with_a_count_made_by_hand_is_a_400(api_client, tokens):
    make_prospects(2)
    cursor = base64.b64encode(tokens.encode()).decode()

    response = api_client.get(URL, {"cursor": cursor})

    assert response.status_code == 400
    assert "cursor" in response.json()["error"]["details"]


def test_beyond_the_exact_limit_the_count_is_an_estimate(api_client, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 5)
    make_prospects(8)

    body = api_client.get(URL).json()

    assert body["count_is_exact"] is False
    assert body["count"] >= 6


def test_up_to_the_exact_limit_the_count_is_exact(api_client, monkeypatch):
    monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 5)
    make_prospects(5)

    body = api_client.get(URL).json()

    assert (body["count"], body["count_is_exact"]) == (5, True)


def test_a_search_expected_to_match_very_many_is_not_counted(api_client, monkeypatch):
    """Above ``COUNT_ESTIMATE_ONLY_ABOVE`` expected matches the planner's estimate is the answer: no count
    runs (at 10,000,000 prospects even a count to the limit takes hundreds of milliseconds)."""
    make_prospects(3)
    monkeypatch.setattr(selectors, "COUNT_ESTIMATE_ONLY_ABOVE", 0)

    with recorded_sql() as queries:
        body = api_client.get(URL).json()

    assert body["count_is_exact"] is False
    assert body["count"] >= 1
    assert not [sql for sql in queries if "COUNT(" in sql.upper()]
    assert [sql for sql in queries if sql.startswith("EXPLAIN")]
    assert len(body["results"]) == 3


def test_a_page_of_a_search_counted_exactly_is_read_by_id(api_client):
    """Every match of a small search is known from its count: the page reads them by id, newest first,
    rather than running the search again, and the next cursor works as before."""
    wanted = make_prospects(4, job_title="Chief Revenue Officer")
    make_prospects(3, job_title="Engineer")

    with recorded_sql() as queries:
        first = api_client.get(URL, {"job_title": "revenue", "limit": 3}).json()
    second = api_client.get(first["next"]).json()

    assert (first["count"], first["count_is_exact"]) == (4, True)
    assert [row["id"] for row in first["results"] + second["results"]] == newest_first(wanted)
    assert second["next"] is None
    searches = [sql for sql in queries if "to_tsvector" in sql]
    assert len(searches) == 2  # the estimate and the ids: no third search for the page
    assert any('"first_name"' in sql and " IN (" in sql for sql in queries)


def test_a_search_runs_with_the_memory_its_bitmaps_need(api_client, monkeypatch):
    """With PostgreSQL's default 4MB a bitmap of a few hundred thousand matches turns lossy (a search of
    0.7 s took 21 s at 10,000,000 prospects); the search's count and page run with SEARCH_WORK_MEM, in a
    transaction that ends with the request (SET LOCAL, safe behind a transaction-pooling PgBouncer)."""
    make_prospects(3, job_title="Engineer")
    seen = []
    counted = selectors.prospects_counted

    def spy(prospects):
        with connection.cursor() as cursor:
            cursor.execute("SHOW work_mem")
            seen.append((cursor.fetchone()[0], connection.in_atomic_block))
        return counted(prospects)

    monkeypatch.setattr(selectors, "prospects_counted", spy)
    with connection.cursor() as cursor:
        cursor.execute("SHOW work_mem")
        default = cursor.fetchone()[0]

    assert ids_of(api_client.get(URL, {"job_title": "engineer"}))
    assert ids_of(api_client.get(URL))

    assert seen == [(selectors.SEARCH_WORK_MEM, True)] * 2
    assert default != selectors.SEARCH_WORK_MEM


def test_searching_is_free(api_client, workspace):
    make_prospects(3)

    api_client.get(URL)
    api_client.get(URL, {"keyword": "pat"})

    assert not LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.DEBIT).exists()


def test_searching_is_throttled_like_the_rest_of_the_api(api_client, settings):
    settings.API_THROTTLE_RATE = "2/minute"

    statuses = [api_client.get(URL).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"seniority": "boss"}, "seniority"),
        ({"country": "XX"}, "country"),
        ({"company_size": "12"}, "company_size"),
        ({"has_email": "maybe"}, "has_email"),
        ({"has_email": ""}, "has_email"),
        ({"owned": ""}, "owned"),
        ({"senority": "vp"}, "senority"),
        ({"limit": "0"}, "limit"),
        ({"cursor": "nonsense"}, "cursor"),
    ],
)
def test_bad_search_parameters_are_a_400_naming_them(api_client, query, field):
    make_prospects(1)

    response = api_client.get(URL, query)

    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert field in body["details"]


def test_the_filters_endpoint_lists_the_allowed_values(api_client):
    body = api_client.get("/api/v1/leadfinder/filters").json()

    assert [option["value"] for option in body["company_size"]] == [
        "1-10",
        "11-50",
        "51-200",
        "201-500",
        "501-1000",
        "1001-5000",
        "5001-10000",
        "10001+",
    ]
    assert {"value": "vp", "label": "Vice President"} in body["seniority"]
    assert {"value": "US", "label": "United States"} in body["country"]
    assert set(body) == {"seniority", "department", "industry", "company_size", "country", "email_status"}


NINE_WORDS = "one two three four five six seven eight nine"


@pytest.mark.parametrize("parameter", ["keyword", "job_title"])
def test_more_than_eight_words_is_refused_rather_than_searched_on_eight(api_client, parameter):
    make_prospects(1, first_name="One", job_title="two three four five six seven eight")

    response = api_client.get(URL, {parameter: NINE_WORDS})

    assert response.status_code == 400
    details = response.json()["error"]["details"][parameter]
    assert "At most 8 words (this has 9)." in str(details)


def test_eight_words_are_searched(api_client):
    [wanted] = make_prospects(1, first_name="One", job_title="two three four five six seven eight")

    assert ids_of(api_client.get(URL, {"keyword": NINE_WORDS.rsplit(" ", 1)[0]})) == [wanted.pk]


PAIRED_VALUES = {
    "seniority": ["vp", "director", "manager"],
    "department": ["sales", "marketing"],
    "industry": ["software", "banking"],
    "company_size": ["1-10", "51-200"],
    "country": ["US", "GB", "DE"],
}


@pytest.mark.parametrize(
    "query",
    [
        {"seniority": ["vp", "director"], "department": "sales", "country": "US"},
        {"industry": "software", "company_size": ["1-10", "51-200"], "country": ["GB", "DE"]},
        {"seniority": "manager", "department": "marketing", "industry": "banking", "country": "DE"},
        {
            "seniority": ["vp", "manager"],
            "department": ["sales", "marketing"],
            "industry": "software",
            "company_size": "1-10",
            "country": ["US", "GB", "DE"],
        },
        {"department": "sales", "country": "GB", "has_email": "true"},
        {"seniority": "vp", "company_size": "51-200", "has_email": "false"},
        {"keyword": "company", "seniority": ["vp", "director"], "department": "sales", "country": "US"},
    ],
)
@pytest.mark.parametrize("counted", [True, False], ids=["counted", "broad"])
def test_searches_on_several_filters_match_exactly_the_prospects_they_name(
    api_client, monkeypatch, query, counted
):
    """Several filters are searched by pair tokens (migration 0007), and the page of a search too big to
    count checks the row's columns instead: either way the answer is the prospects that match every
    filter, whatever the pairing."""
    if not counted:
        monkeypatch.setattr(selectors, "EXACT_COUNT_LIMIT", 0)
    rows = []
    for index in range(72):
        fields = {name: values[index % len(values)] for name, values in PAIRED_VALUES.items()}
        fields["seniority"] = PAIRED_VALUES["seniority"][index // 24]  # not in step with the rest
        rows += make_prospects(1, email="" if index % 7 == 0 else f"p{index}@example.com", **fields)

    def matches(prospect):
        for name, wanted in query.items():
            if name == "keyword":
                continue  # every prospect's company is "Company <n>"
            if name == "has_email":
                if bool(prospect.email) != (wanted == "true"):
                    return False
            elif getattr(prospect, name) not in (wanted if isinstance(wanted, list) else [wanted]):
                return False
        return True

    expected = newest_first([prospect for prospect in rows if matches(prospect)])
    with recorded_sql() as queries:
        body = api_client.get(URL, {**query, "limit": 100}).json()

    assert expected
    assert [row["id"] for row in body["results"]] == expected
    assert body["count_is_exact"] is counted
    if counted:
        assert body["count"] == len(expected)
    page = [sql for sql in queries if '"first_name"' in sql]
    assert len(page) == 1
    assert ('"id" IN (' in page[0]) is counted  # read by the ids the count fetched
    if not counted and "keyword" not in query:
        assert "ARRAY[" not in page[0]  # by the row's columns
