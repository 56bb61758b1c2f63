"""Usage reads counters, never counts (issue 3): GET /usage and Settings → Uploaded Contacts answer as
fast with 1,000,000 enrollments as with none. PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.usage_bench
"""

import argparse
import time

from benchmarks.common import (
    analyze,
    print_table,
    seed_enrollments,
    seed_leads,
    throwaway_database,
    timed,
)

ENROLLMENTS = 1_000_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="runs of each measurement (default 50)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    options = parser.parse_args()

    with throwaway_database(keep=options.keep):
        from django.test import Client
        from django.urls import reverse
        from rest_framework.test import APIClient

        from accounts import services as account_services
        from accounts.models import User
        from billing import services as billing_services
        from billing.selectors import usage_for_workspace
        from campaigns import services

        started = time.perf_counter()
        clients = []
        for name, enrollments in [("empty", 0), ("full", ENROLLMENTS)]:
            owner = User.objects.create_user(f"{name}@example.com", "bench-password-123")
            workspace = account_services.workspace_create(name=name, owner=owner, plan_code="lightspeed")
            billing_services.subscription_addon_set(
                workspace=workspace, addon_code="active_leads_25k", quantity=40
            )
            if enrollments:
                campaign = services.campaign_create(workspace=workspace, name="Everyone")
                seed_leads(workspace, enrollments)
                seed_enrollments(workspace, campaign, count=enrollments)
                billing_services.quota_audit(workspace=workspace, fix=True)
            _, raw_key = account_services.api_key_create(workspace=workspace, name="bench", created_by=owner)
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
            browser = Client()
            browser.force_login(owner)
            used = usage_for_workspace(workspace=workspace)["active_leads"]["used"]
            clients.append((api, browser, used))
        analyze()
        seeded = time.perf_counter() - started

        rows = []
        for api, browser, used in clients:
            # One unmeasured request each first: template loading and connection set-up are not usage.
            api.get("/api/v1/usage")
            browser.get(reverse("settings_uploaded_contacts"))
            label = f"{used:,} enrollments"
            rows.append(
                (f"GET /usage, {label}", timed(lambda run, api=api: api.get("/api/v1/usage"), options.runs))
            )
            rows.append(
                (
                    f"page Settings → Uploaded Contacts, {label}",
                    timed(
                        lambda run, browser=browser: browser.get(reverse("settings_uploaded_contacts")),
                        options.runs,
                    ),
                )
            )

        print(
            f"PostgreSQL, a workspace with no enrollments and one with {ENROLLMENTS:,}, "
            f"seeded in {seeded:.0f} s"
        )
        print_table("Usage", rows)


if __name__ == "__main__":
    main()
