"""A campaign's analytics at a million messages, on PostgreSQL.

Seeds one workspace with 100,000 contacts enrolled in one campaign of ten steps, each sent all ten (so
1,000,000 messages over the last 60 days), 5,000 replies and as many automatic replies, and enrollments
ended as completed, bounced and unsubscribed over those days; plus a second campaign of the workspace with
as many messages, so that the first's reads are not the whole table. Then measures, in process:

- ``sending.stats.campaign_stats`` for 30 and 365 days;
- ``GET /api/v1/campaigns/{id}/stats`` (DRF's APIClient with an API key) and the Analytics page (Django's
  test client);
- the plans of its queries (EXPLAIN ANALYZE), to show what each reads.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.stats_bench
"""

import argparse
import time

from benchmarks.common import analyze, execute, print_table, seed_leads, throwaway_database, timed

CONTACTS = 100_000
STEPS = 10
REPLIES = 5_000


def seed_campaign(workspace, campaign, *, lead_offset):
    """Every one of the workspace's contacts from ``lead_offset`` on, enrolled and sent ``STEPS`` steps,
    a step every 6 days, the last 60 days; replies, automatic replies and endings spread over them."""
    execute(
        """
        INSERT INTO campaigns_enrollment (workspace_id, campaign_id, lead_id, created_at, status, step,
                                          finished_at)
        SELECT %s, %s, id, now() - interval '61 days',
               CASE WHEN n %% 50 = 0 THEN 'bounced' WHEN n %% 100 = 1 THEN 'unsubscribed'
                    WHEN n %% 2 = 0 THEN 'completed' ELSE 'active' END,
               %s,
               CASE WHEN n %% 2 = 0 OR n %% 100 = 1 THEN now() - (n %% 60) * interval '1 day' END
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM leads_lead WHERE workspace_id = %s
              ORDER BY id OFFSET %s LIMIT %s) contacts
        """,
        [workspace.pk, campaign.pk, STEPS, workspace.pk, lead_offset, CONTACTS],
    )
    execute("UPDATE campaigns_campaign SET lead_count = %s WHERE id = %s", [CONTACTS, campaign.pk])
    execute(
        """
        INSERT INTO sending_message (workspace_id, campaign_id, lead_id, step_number, to_email, subject,
                                     message_id, in_reply_to, status, error, claimed_at, sent_at)
        SELECT e.workspace_id, e.campaign_id, e.lead_id, s, 'lead' || e.lead_id || '@example.com', 'Hello',
               '<' || e.campaign_id || '.' || e.lead_id || '.' || s || '@bench.example>', '', 'sent', '',
               now() - (60 - (s - 1) * 6) * interval '1 day' + (e.lead_id %% 86400) * interval '1 second',
               now() - (60 - (s - 1) * 6) * interval '1 day' + (e.lead_id %% 86400) * interval '1 second'
        FROM campaigns_enrollment e, generate_series(1, %s) AS s
        WHERE e.campaign_id = %s
        """,
        [STEPS, campaign.pk],
    )
    for kind, every in (("reply", 0), ("auto_reply", 1)):
        execute(
            """
            INSERT INTO sending_reply (workspace_id, message_id, campaign_id, lead_id, kind, label,
                                       header_message_id, from_email, subject, snippet, body, bounce_status,
                                       bounce_diagnostic, hard_bounce, received_at, created_at)
            SELECT m.workspace_id, m.id, m.campaign_id, m.lead_id, %s, '', '<r' || m.id || '@lead.example>',
                   m.to_email, 'Re: Hello', '', '', '', '', false, m.sent_at + interval '3 hours', now()
            FROM sending_message m
            WHERE m.campaign_id = %s AND m.lead_id %% 20 = %s AND m.step_number = 1 + m.lead_id / 20 %% %s
            """,
            [kind, campaign.pk, every, STEPS],
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs of each measurement (default 7)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    options = parser.parse_args()

    with throwaway_database(keep=options.keep):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext
        from rest_framework.test import APIClient

        from accounts import services as account_services
        from accounts.models import User
        from campaigns import services
        from sending.models import Message
        from sending.stats import campaign_stats

        started = time.perf_counter()
        owner = User.objects.create_user("bench@example.com", "bench-password-123")
        workspace = account_services.workspace_create(name="Bench", owner=owner, plan_code="lightspeed")
        campaign = services.campaign_create(workspace=workspace, name="Bench target")
        other = services.campaign_create(workspace=workspace, name="Bench other")
        seed_leads(workspace, 2 * CONTACTS)
        seed_campaign(workspace, campaign, lead_offset=0)
        seed_campaign(workspace, other, lead_offset=CONTACTS)
        analyze()
        messages = Message.objects.for_workspace(workspace).filter(campaign=campaign).count()
        print(
            f"seeded {messages:,} messages in the campaign (twice that in the workspace) in "
            f"{time.perf_counter() - started:.0f} s"
        )

        _, raw_key = account_services.api_key_create(workspace=workspace, name="bench", created_by=owner)
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
        browser = Client()
        browser.force_login(owner)

        class Done:
            status_code = 200

        def stats(days):
            def run(_):
                campaign_stats(workspace=workspace, campaign=campaign, days=days)
                return Done

            return run

        stats(30)(0)
        rows = [
            ("campaign_stats, 30 days", timed(stats(30), options.runs)),
            ("campaign_stats, 365 days", timed(stats(365), options.runs)),
            (
                "GET /api/v1/campaigns/{id}/stats",
                timed(lambda _: api.get(f"/api/v1/campaigns/{campaign.pk}/stats"), options.runs),
            ),
            (
                "Analytics page",
                timed(lambda _: browser.get(f"/campaigns/{campaign.pk}/analytics/"), options.runs),
            ),
        ]
        print_table(f"Analytics of one campaign: {CONTACTS:,} enrolled, {messages:,} messages", rows)

        with CaptureQueriesContext(connection) as queries:
            campaign_stats(workspace=workspace, campaign=campaign, days=30)
        print(f"\n{len(queries.captured_queries)} queries; their plans:")
        with connection.cursor() as cursor:
            for query in queries.captured_queries:
                cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + query["sql"])
                plan = [line for (line,) in cursor.fetchall()]
                print("\n" + query["sql"][:160])
                print("\n".join("    " + line for line in plan))


if __name__ == "__main__":
    main()
