"""Contacts and campaigns at a million contacts, on PostgreSQL (issue 4).

Seeds one workspace with 1,000,000 contacts, 900,000 of them enrolled in one campaign, then measures
through the real views (DRF's APIClient with an API key, Django's test client for the dashboard):

- POST /campaigns/{id}/leads with 1,000 contacts (500 new as data + 500 existing by id, half of those
  already active in the big campaign), each run with other contacts;
- GET /leads: first page, a deep page by cursor, a search; GET /campaigns/{id}/leads first and deep page;
- the Contacts page and the campaign page (first and deep page, search);
- archiving and unarchiving the 900,000-contact campaign (one run each: the set-based worst case).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.campaigns_bench
"""

import argparse
import base64
import time

from benchmarks.common import (
    analyze,
    print_table,
    seed_enrollments,
    seed_leads,
    throwaway_database,
    timed,
)

CONTACTS = 1_000_000
ENROLLED = 900_000


def cursor_at(lead_id):
    """DRF's opaque cursor for "the rows below ``lead_id``"."""
    return base64.b64encode(f"p={lead_id}".encode()).decode()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each measurement (default 7)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    options = parser.parse_args()

    with throwaway_database(keep=options.keep):
        from django.test import Client
        from rest_framework.test import APIClient

        from accounts import services as account_services
        from accounts.models import User
        from billing import services as billing_services
        from campaigns import services
        from leads.models import Lead

        started = time.perf_counter()
        owner = User.objects.create_user("bench@example.com", "bench-password-123")
        workspace = account_services.workspace_create(name="Bench", owner=owner, plan_code="lightspeed")
        billing_services.subscription_addon_set(
            workspace=workspace, addon_code="active_leads_25k", quantity=40
        )
        everyone = services.campaign_create(workspace=workspace, name="Everyone")
        target = services.campaign_create(workspace=workspace, name="Bench target")
        seed_leads(workspace, CONTACTS)
        seed_enrollments(workspace, everyone, count=ENROLLED)
        billing_services.quota_audit(workspace=workspace, fix=True)  # the counter, from the enrollments
        analyze()
        seeded = time.perf_counter() - started

        _, raw_key = account_services.api_key_create(workspace=workspace, name="bench", created_by=owner)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        browser = Client()
        browser.force_login(owner)

        ids = list(Lead.objects.for_workspace(workspace).order_by("id").values_list("pk", flat=True))
        enrolled, idle = ids[:ENROLLED], ids[ENROLLED:]
        deep_id = ids[len(ids) // 10]  # 900,000 contacts newer than it: a page near the end of the list

        def add_thousand(run):
            body = {
                "lead_ids": enrolled[run * 250 : (run + 1) * 250] + idle[run * 250 : (run + 1) * 250],
                "leads": [{"email": f"new-{run}-{n}@fresh.example", "first_name": "New"} for n in range(500)],
            }
            response = api.post(f"/api/v1/campaigns/{target.pk}/leads", body, format="json")
            assert response.json()["added"] == 1_000, response.json()
            return response

        rows = [
            ("POST /campaigns/{id}/leads, 1,000 (500 new + 500 existing)", timed(add_thousand, options.runs))
        ]
        runs = options.runs
        for what, url in [
            ("GET /leads first page", "/api/v1/leads"),
            ("GET /leads deep page (cursor, ~900,000 rows in)", f"/api/v1/leads?cursor={cursor_at(deep_id)}"),
            ("GET /leads?search=last1007 (~1,000 matches)", "/api/v1/leads?search=last1007"),
            ("GET /leads?search=lead999999@ (1 match)", "/api/v1/leads?search=lead999999@"),
            ("GET /leads?search=company (every row matches)", "/api/v1/leads?search=company"),
            (
                "GET /campaigns/{id}/leads first page (900,000 in it)",
                f"/api/v1/campaigns/{everyone.pk}/leads",
            ),
            (
                "GET /campaigns/{id}/leads deep page",
                f"/api/v1/campaigns/{everyone.pk}/leads?cursor={cursor_at(deep_id)}",
            ),
            ("GET /campaigns", "/api/v1/campaigns"),
        ]:
            rows.append((what, timed(lambda run, url=url: api.get(url), runs)))
        for what, url in [
            ("page Contacts, first page", "/contacts/"),
            ("page Contacts, deep page", f"/contacts/?after={deep_id}"),
            ("page Contacts, search last1007", "/contacts/?q=last1007"),
            ("page Campaigns", "/campaigns/"),
            ("page campaign (900,000 contacts), first page", f"/campaigns/{everyone.pk}/"),
            ("page campaign, deep page", f"/campaigns/{everyone.pk}/?after={deep_id}"),
            ("page campaign, find contacts to add: last1007", f"/campaigns/{target.pk}/?find=last1007"),
            ("page delete campaign (counts slots it frees)", f"/campaigns/{everyone.pk}/delete/"),
        ]:
            rows.append((what, timed(lambda run, url=url: browser.get(url), runs)))
        for what, status in [
            ("PATCH archive the 900,000 campaign", "archived"),
            # To draft: starting (active) would also need a sequence and a mailbox; the slots cost the same.
            ("PATCH unarchive it", "draft"),
        ]:
            rows.append(
                (
                    what,
                    timed(
                        lambda run, status=status: api.patch(
                            f"/api/v1/campaigns/{everyone.pk}", {"status": status}, format="json"
                        ),
                        1,
                    ),
                )
            )
        billing_audit = billing_services.quota_audit(workspace=workspace)

        print(f"PostgreSQL, {CONTACTS:,} contacts ({ENROLLED:,} in one campaign) seeded in {seeded:.0f} s")
        print_table("Contacts and campaigns", rows)
        print(f"\naudit_quotas after the runs: {billing_audit or 'no differences'}")


if __name__ == "__main__":
    main()
