"""Lead Finder search and downloads at a million prospects, on PostgreSQL (issue 6).

Targets: a page of 50 prospects with its count answers in under 100 ms at the 95th percentile over a
fixed mix of realistic searches; a download of 10,000 prospects (charge, contacts, CSV) takes under 10 s.

Runs in the database of $DATABASE_URL, which it migrates; if that database has no prospects it seeds
1,000,000 with ``seed_prospects`` first (COPY, about a minute) and says how long that took. It measures
through the real API view with an API key, after one warm-up pass: in-process (DRF's APIClient), or with
``--http`` over HTTP, from a gunicorn it starts (2 sync workers, DEBUG off, no rate limit):

- 29 searches: one filter, three filters, keyword plus two filters, the ``owned`` filter, emails known
  to bounce left out or alone, each on the first page and some on a deep page (reached by following
  ``next``); each ``--runs`` times;
- EXPLAIN of each search's page query and count query, to show they use indexes (no Seq Scan);
- POST /leadfinder/downloads of 10,000 prospects the workspace does not own yet, by filters, without
  and with a campaign (each run takes other prospects, so every one is charged).

    createdb -h 127.0.0.1 -U postgres leadpool_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/leadpool_bench .venv/bin/python -m benchmarks.search_bench
"""

import argparse
import http.client
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from urllib.parse import urlencode, urlsplit

from benchmarks.common import timed

SEARCH = "/api/v1/leadfinder/prospects"
DOWNLOADS = "/api/v1/leadfinder/downloads"
PROSPECTS = 1_000_000
DOWNLOAD_SIZE = 10_000

# (name, query, how many pages deep); a list value is a repeated parameter (any of).
SEARCHES = [
    ("1 filter: seniority=vp", {"seniority": "vp"}, 0),
    ("1 filter: country=DE", {"country": "DE"}, 0),
    ("1 filter: industry=software", {"industry": "software"}, 0),
    ("1 filter: company_size=10001+", {"company_size": "10001+"}, 0),
    ("1 filter: city=Berlin", {"city": "Berlin"}, 0),
    ("1 filter: job_title=sales manager", {"job_title": "sales manager"}, 0),
    ("1 filter: keyword=engineer", {"keyword": "engineer"}, 0),
    (
        "3 filters: director|vp, sales, US",
        {"seniority": ["director", "vp"], "department": "sales", "country": "US"},
        0,
    ),
    (
        "3 filters: healthcare, 51-200|201-500, GB",
        {"industry": "healthcare", "company_size": ["51-200", "201-500"], "country": "GB"},
        0,
    ),
    (
        "3 filters: marketing, manager, has_email",
        {"department": "marketing", "seniority": "manager", "has_email": "true"},
        0,
    ),
    (
        "3 filters: DE|FR|NL, manufacturing, c_suite",
        {"country": ["DE", "FR", "NL"], "industry": "manufacturing", "seniority": "c_suite"},
        0,
    ),
    (
        "3 filters: London, engineering, senior",
        {"city": "London", "department": "engineering", "seniority": "senior"},
        0,
    ),
    (
        "keyword+2: 'software engineer', US, 1001-5000",
        {"keyword": "software engineer", "country": "US", "company_size": "1001-5000"},
        0,
    ),
    ("keyword+2: 'head', marketing, GB", {"keyword": "head", "department": "marketing", "country": "GB"}, 0),
    (
        "keyword+2: 'smith', director, financial_services",
        {"keyword": "smith", "seniority": "director", "industry": "financial_services"},
        0,
    ),
    ("keyword+2: 'garcia', software, US", {"keyword": "garcia", "industry": "software", "country": "US"}, 0),
    (
        "keyword+2: 'cfo', 5001-10000|10001+, US|CA",
        {"keyword": "cfo", "company_size": ["5001-10000", "10001+"], "country": ["US", "CA"]},
        0,
    ),
    ("owned=false, has_email, country=US", {"owned": "false", "has_email": "true", "country": "US"}, 0),
    ("deep page 20: country=US", {"country": "US"}, 20),
    ("deep page 50: industry=software", {"industry": "software"}, 50),
    (
        "deep page 10: vp, sales, US",
        {"seniority": "vp", "department": "sales", "country": "US"},
        10,
    ),
    ("deep page 10: keyword=manager, GB", {"keyword": "manager", "country": "GB"}, 10),
    ("deep page 10: job_title=engineer, DE|NL", {"job_title": "engineer", "country": ["DE", "NL"]}, 10),
    ("deep page 5: 'labs', software, US", {"keyword": "labs", "industry": "software", "country": "US"}, 5),
    # Rule 24: emails known to bounce (BOUNCED_SHARE of the prospects outside the US), left out or alone.
    (
        "3 filters + not bounced: healthcare, GB",
        {
            "industry": "healthcare",
            "company_size": ["51-200", "201-500"],
            "country": "GB",
            "email_bounced": "false",
        },
        0,
    ),
    (
        "not bounced, has_email, country=DE",
        {"email_bounced": "false", "has_email": "true", "country": "DE"},
        0,
    ),
    ("deep page 10: not bounced, FR", {"email_bounced": "false", "country": "FR"}, 10),
    ("bounced only", {"email_bounced": "true"}, 0),
    ("bounced only, country=DE", {"email_bounced": "true", "country": "DE"}, 0),
]
# One prospect in this many outside the US is marked bounced (the US ones stay for the downloads).
BOUNCED_EVERY = 200


def percentile(values, share):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def setup_django():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL=postgres://user@host:port/db: this benchmark measures PostgreSQL.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False  # no debug cursor recording every query
    settings.API_THROTTLE_RATE = "1000000/minute"  # measure the search, not the rate limit
    call_command("migrate", verbosity=0)


def seed_if_empty():
    from django.core.management import call_command
    from django.db import connection

    from leadfinder.models import Prospect

    if Prospect.objects.exists():
        return None
    started = time.perf_counter()
    call_command("seed_prospects", count=PROSPECTS, seed=42)
    seeded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leadfinder_prospect")
    return seeded


def mark_some_bounced():
    """Marks every ``BOUNCED_EVERY``th prospect with an email outside the US bounced, once, as bounces
    over time would (rule 24); returns how many prospects are marked."""
    from django.db import connection

    from leadfinder.models import Prospect

    bounced = Prospect.objects.filter(email_status="bounced")
    if not bounced.exists():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE leadfinder_prospect SET email_status = 'bounced' "
                "WHERE email <> '' AND country <> 'US' AND id %% %s = 0",
                [BOUNCED_EVERY],
            )
            cursor.execute("VACUUM ANALYZE leadfinder_prospect")
    return bounced.count()


def bench_workspace():
    """A new workspace for this run (Lightspeed, 1,100,000 active leads), with an API key and enough
    credits, that owns the 10,000 newest software-industry prospects, as a busy workspace would."""
    from django.db import connection

    from accounts import services as account_services
    from accounts.models import User
    from billing import services as billing_services
    from billing.models import CreditGrant
    from leadfinder import services
    from leadfinder.selectors import ProspectFilters

    owner = User.objects.filter(email="bench@example.com").first() or User.objects.create_user(
        "bench@example.com", "bench-password-123"
    )
    workspace = account_services.workspace_create(
        name=f"Lead Finder bench {time.time():.0f}", owner=owner, plan_code="lightspeed"
    )
    billing_services.subscription_addon_set(workspace=workspace, addon_code="active_leads_25k", quantity=40)
    billing_services.lead_credits_grant(
        workspace=workspace, amount=100_000, source=CreditGrant.Source.ADJUSTMENT, description="Benchmark"
    )
    services.download_create(
        workspace=workspace, filters=ProspectFilters(industry=("software",)), limit=10_000
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE leadfinder_ownership")  # what autovacuum does after such an insert
    _, raw_key = account_services.api_key_create(workspace=workspace, name="bench", created_by=owner)
    return workspace, raw_key


class HttpApi:
    """``get(url)`` over HTTP to a server on 127.0.0.1:``port`` (a new connection each time: gunicorn's
    sync workers close it), answering what ``json()`` reads."""

    def __init__(self, port, raw_key):
        self.port = port
        self.headers = {"Authorization": f"Bearer {raw_key}", "Accept": "application/json"}

    def get(self, url):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request("GET", path, headers=self.headers)
            response = connection.getresponse()
            body = response.read()
        finally:
            connection.close()
        if response.status != 200:
            raise RuntimeError(f"GET {path}: {response.status} {body[:300]!r}")
        return HttpAnswer(response.status, body)


class HttpAnswer:
    def __init__(self, status_code, body):
        self.status_code = status_code
        self.body = body

    def json(self):
        return json.loads(self.body)


@contextmanager
def gunicorn_server():
    """A gunicorn on a free port of 127.0.0.1 serving this database (2 sync workers, DEBUG off, no rate
    limit); yields its port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "search-bench-" + "x" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "API_THROTTLE_RATE": "1000000/minute",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    gunicorn = os.path.join(os.path.dirname(sys.executable), "gunicorn")
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [gunicorn, "config.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("gunicorn did not start")
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def url_of(query):
    from django.utils.http import urlencode

    return f"{SEARCH}?{urlencode(query, doseq=True)}"


def deep_url(api, query, pages):
    url = url_of(query)
    for _ in range(pages):
        url = api.get(url).json()["next"]
        if url is None:
            raise RuntimeError(f"{query} has fewer than {pages} pages")
    return url


SHORT_NAMES = {
    "leadfinder_prospect_pkey": "pk",
    "prospect_facets": "facets",
    "prospect_facets_keywords": "facets+keywords",
    "prospect_job_title_fts": "job_title",
    "prospect_bounced_newest": "bounced",
}


def _scans(plan):
    """The scans of a JSON plan on prospects and ownerships, e.g. {"pk backward", "facets", "seq"}."""
    found = set()
    node = plan.get("Node Type", "")
    relation = plan.get("Relation Name", "")
    index = plan.get("Index Name", "")
    if node == "Seq Scan" and relation == "leadfinder_prospect":
        found.add("seq")
    elif index:
        name = SHORT_NAMES.get(index, "ownership" if "ownership" in index else index)
        found.add(f"{name} backward" if plan.get("Scan Direction") == "Backward" else name)
    for child in plan.get("Plans", []):
        found |= _scans(child)
    return found


def plans_of(workspace, query, *, broad):
    """What the page query and the count query of a search scan, from EXPLAIN (``broad``: the page of a
    search whose count is not exact, as the API reads it)."""
    from django.http import QueryDict

    from leadfinder import selectors
    from leadfinder.serializers import ProspectSearchQuerySerializer

    # As the view gets them: the query string's text (a JSON body would need JSON types).
    serializer = ProspectSearchQuerySerializer(data=QueryDict(urlencode(query, doseq=True)))
    serializer.is_valid(raise_exception=True)
    filters = selectors.ProspectFilters.from_data(serializer.validated_data)
    prospects = selectors.prospects_search(workspace=workspace, filters=filters)
    shown = selectors.prospects_search(workspace=workspace, filters=filters, broad=broad)
    page = json.loads(shown[:51].explain(format="json"))[0]["Plan"]
    count = json.loads(prospects.order_by().values("pk")[:10_001].explain(format="json"))[0]["Plan"]
    return "+".join(sorted(_scans(page))), "+".join(sorted(_scans(count)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each search (default 10)")
    parser.add_argument("--download-runs", type=int, default=2, help="runs of each download (default 2)")
    parser.add_argument("--http", action="store_true", help="search over HTTP through a gunicorn it starts")
    parser.add_argument("--no-downloads", action="store_true", help="searches only")
    options = parser.parse_args()

    setup_django()
    seeded = seed_if_empty()

    from rest_framework.test import APIClient

    bounced = mark_some_bounced()
    workspace, raw_key = bench_workspace()
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    with gunicorn_server() if options.http else _nothing() as port:
        searches(options, workspace, HttpApi(port, raw_key) if options.http else api, seeded, bounced)
    if not options.no_downloads:
        downloads(options, workspace, api)


@contextmanager
def _nothing():
    yield None


def searches(options, workspace, api, seeded, bounced):
    from django.db import connection

    from leadfinder.selectors import COUNT_ESTIMATE_ONLY_ABOVE

    with connection.cursor() as cursor:  # the planner's row count: counting 10,000,000 takes seconds
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'leadfinder_prospect'")
        total = cursor.fetchone()[0]
    seeded_in = f" (seeded in {seeded:.0f} s)" if seeded else ""
    print(f"about {total:,} prospects{seeded_in}, {bounced:,} bounced")

    urls = [
        (name, deep_url(api, query, pages) if pages else url_of(query), query)
        for name, query, pages in SEARCHES
    ]
    for _, url, _ in urls:  # warm-up
        api.get(url)

    where = "over HTTP (gunicorn, 2 workers)" if options.http else "in-process through the API"
    print(f"\nSearches: a page of 50 with its count, {options.runs} runs each, {where}")
    header = (
        f"{'search':<48} {'count':>9} {'exact':>5} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}  "
        "page plan | count plan"
    )
    print(header)
    print("-" * len(header))
    everything = []
    for name, url, query in urls:
        times = timed(lambda run, url=url: api.get(url), options.runs)
        everything += times
        body = api.get(url).json()
        page_plan, count_plan = plans_of(workspace, query, broad=not body["count_is_exact"])
        if body["count_is_exact"]:  # the page is read by the ids the count fetched
            page_plan = "by ids"
        elif body["count"] > COUNT_ESTIMATE_ONLY_ABOVE:
            count_plan = "estimate only"
        print(
            f"{name:<48} {body['count']:>9,} {'yes' if body['count_is_exact'] else 'no':>5} "
            f"{statistics.median(times):>7.1f} {percentile(times, 0.95):>7.1f} {max(times):>7.1f}  "
            f"{page_plan} | {count_plan}"
        )
    print(
        f"\nAll {len(everything)} search requests: p50 {statistics.median(everything):.1f} ms, "
        f"p95 {percentile(everything, 0.95):.1f} ms, max {max(everything):.1f} ms "
        "(targets: p95 < 100 ms at 1M, < 150 ms at 10M)"
    )


def downloads(options, workspace, api):
    from campaigns import services as campaign_services

    campaign = campaign_services.campaign_create(workspace=workspace, name="Bench")
    not_owned_us = {"owned": False, "has_email": True, "country": "US"}

    def download(run, with_campaign=False):
        body = {"filters": not_owned_us, "limit": DOWNLOAD_SIZE}
        if with_campaign:
            body["campaign"] = campaign.pk
        response = api.post(DOWNLOADS, body, format="json")
        if response.json().get("charged") != DOWNLOAD_SIZE:
            raise RuntimeError(f"expected {DOWNLOAD_SIZE} charged: {response.json()}")
        return response

    print(f"\nDownloads of {DOWNLOAD_SIZE:,} new prospects (charge, contacts, ownership, CSV)")
    for label, action in [
        ("without a campaign", download),
        ("into a campaign", lambda run: download(run, with_campaign=True)),
    ]:
        times = timed(action, options.download_runs)
        print(f"  {label:<20} " + ", ".join(f"{ms / 1000:.2f} s" for ms in times) + " (target: < 10 s)")

    owned = DOWNLOAD_SIZE * options.download_runs * 2
    url = url_of(not_owned_us)
    times = timed(lambda run: api.get(url), options.runs)
    print(
        f"\nWorst case, not in the mix: owned=false, has_email, US after taking the newest {owned:,} of "
        f"exactly that search: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} ms"
    )


if __name__ == "__main__":
    main()
