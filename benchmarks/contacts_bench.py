"""Contacts as a working list at a million contacts, on PostgreSQL (issue 16, item 2).

Seeds one workspace with 1,000,000 contacts (100,000 of them from the Lead Finder, the rest imported),
600,000 enrolled in one campaign, one suppressed domain, and 25,000 active-lead slots free. Then measures
through the dashboard's views (Django's test client):

- the Contacts page with its exact count: no filter, each filter, a search;
- the previews of bulk actions on every contact that matches (add 400,000 to a campaign, delete 100,000);
- confirming them: add what fits of 400,000 (25,000 take the free slots), export 100,000 as CSV, delete
  100,000 (in chunks of ``campaigns.contacts.bulk.CHUNK``): the request, which records the action for a
  worker, and the task's work, run in this process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.contacts_bench
"""

import argparse
import time
from types import SimpleNamespace

from benchmarks.common import (
    analyze,
    execute,
    print_table,
    seed_enrollments,
    seed_leads,
    throwaway_database,
    timed,
)

CONTACTS = 1_000_000
ENROLLED = 600_000
FROM_LEAD_FINDER = 100_000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each page (default 3)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    options = parser.parse_args()

    with throwaway_database(keep=options.keep):
        from django.test import Client

        from accounts import services as account_services
        from accounts.models import User
        from billing import services as billing_services
        from billing.models import Quota
        from campaigns import services
        from campaigns.contacts import background, bulk
        from leads import services as lead_services

        started = time.perf_counter()
        owner = User.objects.create_user("bench@example.com", "bench-password-123")
        workspace = account_services.workspace_create(name="Bench", owner=owner, plan_code="lightspeed")
        billing_services.subscription_addon_set(
            workspace=workspace, addon_code="active_leads_25k", quantity=21
        )
        everyone = services.campaign_create(workspace=workspace, name="Everyone")
        target = services.campaign_create(workspace=workspace, name="Bench target")
        seed_leads(workspace, CONTACTS)
        seed_enrollments(workspace, everyone, count=ENROLLED)
        execute(
            "UPDATE leads_lead SET source = 'leadfinder' WHERE workspace_id = %s AND id IN "
            "(SELECT id FROM leads_lead WHERE workspace_id = %s ORDER BY id DESC LIMIT %s)",
            [workspace.pk, workspace.pk, FROM_LEAD_FINDER],
        )
        lead_services.suppression_add(workspace=workspace, values=["company7.example"])
        billing_services.quota_audit(workspace=workspace, fix=True)
        analyze()
        seeded = time.perf_counter() - started
        quota = Quota.objects.for_workspace(workspace).get()
        print(f"seeded in {seeded:.0f} s: used {quota.active_leads_used:,} of {quota.active_leads_limit:,}")

        browser = Client()
        browser.force_login(owner)

        def page(query):
            return lambda run: browser.get(f"/contacts/?{query}")

        rows = [
            ("Contacts page, no filter (1,000,000)", timed(page(""), options.runs)),
            ("Contacts page, in no campaign (400,000)", timed(page("campaign=none"), options.runs)),
            (
                f"Contacts page, in Everyone ({ENROLLED:,})",
                timed(page(f"campaign={everyone.pk}"), options.runs),
            ),
            ("Contacts page, from the Lead Finder (100,000)", timed(page("source=leadfinder"), options.runs)),
            ("Contacts page, suppressed (200)", timed(page("suppressed=yes"), options.runs)),
            ("Contacts page, search 'first1 ' (rare)", timed(page("q=zzz-nothing"), options.runs)),
            (
                "preview: add every one in no campaign (400,000)",
                timed(
                    lambda run: browser.get(
                        f"/contacts/bulk/?action=add&scope=matching&campaign=none&target={target.pk}"
                    ),
                    1,
                ),
            ),
            (
                "preview: delete those from the Lead Finder (100,000)",
                timed(
                    lambda run: browser.get("/contacts/bulk/?action=delete&scope=matching&source=leadfinder"),
                    1,
                ),
            ),
        ]

        def export(run):
            response = browser.get("/contacts/bulk/?action=export&scope=matching&source=leadfinder")
            lines = sum(1 for _ in response.streaming_content)
            assert lines == FROM_LEAD_FINDER + 1, lines
            return response

        rows.append(("export those from the Lead Finder (100,000 rows)", timed(export, 1)))
        print_table(f"Contacts at {CONTACTS:,}: pages, previews, export", rows)

        # Over CONTACTS_BULK_BACKGROUND_ABOVE the confirm records a bulk action for a worker; the bench runs
        # the task's body itself, in this process, and times the request and the task apart.
        queued = []
        background.tasks.run_contacts_bulk.delay = queued.append

        def confirm(data):
            def post(run):
                response = browser.post("/contacts/bulk/", data)
                assert response.status_code == 302, response.status_code
                assert response["Location"].startswith("/contacts/bulk/"), response["Location"]
                return SimpleNamespace(status_code=200)

            return post

        def task(run):
            bulk.bulk_action_run(bulk_action_id=queued.pop())
            return SimpleNamespace(status_code=200)

        for label, data in [
            (
                "add what fits of 400,000 (25,000 slots free)",
                {"action": "add", "scope": "matching", "campaign": "none", "target": target.pk},
            ),
            (
                "delete those from the Lead Finder (100,000)",
                {"action": "delete", "scope": "matching", "source": "leadfinder"},
            ),
        ]:
            rows.append((f"confirm (the request): {label}", timed(confirm(data), 1)))
            rows.append((f"the task: {label}", timed(task, 1)))
        print_table(f"Contacts at {CONTACTS:,}: confirmed bulk actions", rows[-4:])
        quota = Quota.objects.for_workspace(workspace).get()
        differences = billing_services.quota_audit(workspace=workspace)
        print(
            f"after: used {quota.active_leads_used:,} of {quota.active_leads_limit:,};",
            f"audit: {differences or 'clean'}",
        )


if __name__ == "__main__":
    main()
