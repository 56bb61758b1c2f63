"""The lead lifecycle at scale (rule 22): switching ``release_finished_leads`` on a workspace with
1,000,000 enrollments recounts ``used`` under the quota lock in well under 10 s; GET /usage answers as
fast as on an empty workspace (it reads counters); finishing a lead's sequences costs milliseconds.
PostgreSQL only.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.lifecycle_bench
"""

import argparse
import time

from benchmarks.common import analyze, execute, print_table, seed_leads, throwaway_database, timed

CONTACTS = 800_000
# Two campaigns that share 200,000 contacts: 1,000,000 enrollments.
FIRST, SECOND_FROM = 600_000, 400_000
# Every third enrollment has finished (completed, replied, bounced, unsubscribed in turn).
FINISHED_EVERY = 3


def seed(workspace, first, second):
    seed_leads(workspace, CONTACTS)
    execute(
        """
        INSERT INTO campaigns_enrollment (workspace_id, campaign_id, lead_id, created_at, status, finished_at)
        SELECT %(workspace)s, campaign, id, now(),
               CASE WHEN id %% %(every)s = 0
                    THEN (ARRAY['completed', 'replied', 'bounced', 'unsubscribed'])[1 + (id / 3) %% 4]
                    ELSE 'active' END,
               CASE WHEN id %% %(every)s = 0 THEN now() END
        FROM (
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM leads_lead WHERE workspace_id = %(workspace)s
        ) AS contact
        CROSS JOIN LATERAL (VALUES (%(first)s, contact.n <= %(first_count)s),
                                   (%(second)s, contact.n > %(second_from)s)) AS target (campaign, wanted)
        WHERE wanted
        """,
        {
            "workspace": workspace.pk,
            "every": FINISHED_EVERY,
            "first": first.pk,
            "second": second.pk,
            "first_count": FIRST,
            "second_from": SECOND_FROM,
        },
    )
    execute(
        "UPDATE campaigns_campaign SET lead_count = (SELECT count(*) FROM campaigns_enrollment e "
        "WHERE e.campaign_id = campaigns_campaign.id) WHERE workspace_id = %s",
        [workspace.pk],
    )


def seconds(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="switches each way (default 3)")
    parser.add_argument("--usage-runs", type=int, default=50, help="runs of each GET (default 50)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    options = parser.parse_args()

    with throwaway_database(keep=options.keep):
        from django.test import Client
        from django.urls import reverse
        from rest_framework.test import APIClient

        from accounts import services as account_services
        from accounts.models import User
        from billing import services as billing_services
        from billing.selectors import finished_leads_kept
        from campaigns import services
        from campaigns.models import Enrollment

        started = time.perf_counter()
        clients = {}
        full = None
        for name in ("empty", "full"):
            owner = User.objects.create_user(f"{name}@example.com", "bench-password-123")
            workspace = account_services.workspace_create(name=name, owner=owner, plan_code="lightspeed")
            billing_services.subscription_addon_set(
                workspace=workspace, addon_code="active_leads_25k", quantity=40
            )
            if name == "full":
                first = services.campaign_create(workspace=workspace, name="First")
                second = services.campaign_create(workspace=workspace, name="Second")
                seed(workspace, first, second)
                analyze()
                billing_services.quota_audit(workspace=workspace, fix=True)
                full = workspace
            _, raw_key = account_services.api_key_create(workspace=workspace, name="bench", created_by=owner)
            api = APIClient()
            api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
            browser = Client()
            browser.force_login(owner)
            clients[name] = (api, browser)
        analyze()
        seeded = time.perf_counter() - started
        enrollments = Enrollment.objects.for_workspace(full).count()

        rows = []
        switches = {False: [], True: []}
        used_after = {}
        for _ in range(options.runs):
            for value in (False, True):
                took, quota = seconds(
                    lambda value=value: billing_services.release_finished_leads_set(
                        workspace=full, value=value
                    )
                )
                switches[value].append(took * 1000)
                used_after[value] = quota.active_leads_used
        rows.append(("switch release_finished_leads off (recount)", switches[False]))
        rows.append(("switch release_finished_leads on (recount)", switches[True]))

        took, _ = seconds(lambda: billing_services.quota_audit(workspace=full))
        rows.append(("audit of the workspace (quota_audit)", [took * 1000]))
        took, kept = seconds(lambda: finished_leads_kept(workspace=full))
        rows.append(("finished leads kept (Uploaded Contacts' count)", [took * 1000]))

        # One contact's sequences end (an unsubscribe): the ending, the slot and its events.
        live_ids = list(
            Enrollment.objects.for_workspace(full)
            .filter(status="active")
            .values_list("lead_id", flat=True)[:20]
        )
        finishes = []
        for lead_id in live_ids:
            took, _ = seconds(
                lambda lead_id=lead_id: services.enrollments_finish(
                    workspace=full, lead_ids=[lead_id], status="unsubscribed"
                )
            )
            finishes.append(took * 1000)
        rows.append(("finish one contact's sequences (enrollments_finish)", finishes))

        for name, (api, browser) in clients.items():
            api.get("/api/v1/usage")
            browser.get(reverse("settings_uploaded_contacts"))
            label = "empty workspace" if name == "empty" else f"{enrollments:,} enrollments"
            rows.append(
                (
                    f"GET /usage, {label}",
                    timed(lambda run, api=api: api.get("/api/v1/usage"), options.usage_runs),
                )
            )
            rows.append(
                (
                    f"page Settings → Uploaded Contacts, {label}",
                    timed(
                        lambda run, browser=browser: browser.get(reverse("settings_uploaded_contacts")),
                        options.usage_runs,
                    ),
                )
            )

        print(
            f"PostgreSQL, one workspace with {enrollments:,} enrollments of {CONTACTS:,} contacts in two "
            f"campaigns (every {FINISHED_EVERY}rd finished) and an empty one, seeded in {seeded:.0f} s; used "
            f"{used_after[True]:,} with the setting on, {used_after[False]:,} off; {kept:,} finished kept"
        )
        print_table("Lifecycle", rows)


if __name__ == "__main__":
    main()
