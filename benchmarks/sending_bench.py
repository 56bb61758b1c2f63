"""The scheduler at a million enrollments, on PostgreSQL (issue 14).

Seeds one workspace with 1,000,000 contacts enrolled in 10 active campaigns (100,000 each, two steps,
schedules open every day all day), and 200 mailboxes (20 per campaign, no daily limit in the way, no
interval) that send to a local SMTP sink in another process (aiosmtpd, no AUTH, counts what it takes).
Then measures ``sending.scheduler.send_due``:

- a pass with nothing due (every enrollment due tomorrow), and the plan of its query;
- passes with 100 and 1,000 due: the cost grows with what is due, not with what is enrolled;
- 10,000 due, sent end to end (render, claim, SMTP, record) by one process: messages per second, and the
  process's resident memory before and after.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.sending_bench

``--enrollments N`` seeds fewer (e.g. 100000 for a quick run).
"""

import argparse
import asyncio
import multiprocessing
import resource
import socket
import statistics
import time
from datetime import timedelta

from benchmarks.common import analyze, execute, seed_leads, throwaway_database

CAMPAIGNS = 10
MAILBOXES = 200
END_TO_END = 10_000


class _Counting:
    def __init__(self, received):
        self.received = received

    async def handle_DATA(self, server, session, envelope):
        with self.received.get_lock():
            self.received.value += 1
        return "250 OK"


def _sink(port, received, ready):
    from aiosmtpd.controller import Controller

    controller = Controller(_Counting(received), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    asyncio.run(asyncio.sleep(3600))


def rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_due(count, now):
    """The ``count`` oldest enrollments not yet sent become due a minute ago, spread over the campaigns."""
    execute(
        """
        UPDATE campaigns_enrollment SET next_send_at = %s
        WHERE (campaign_id, lead_id) IN (
            SELECT campaign_id, lead_id FROM (
                SELECT campaign_id, lead_id,
                       row_number() OVER (PARTITION BY campaign_id ORDER BY lead_id) AS n
                FROM campaigns_enrollment WHERE step = 0 AND next_send_at > %s
            ) ranked WHERE n <= %s
        )
        """,
        [now - timedelta(minutes=1), now, -(-count // CAMPAIGNS)],
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--enrollments", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20, help="runs of the nothing-due pass (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    options = parser.parse_args()

    port = free_port()
    received = multiprocessing.Value("i", 0)
    ready = multiprocessing.Event()
    sink = multiprocessing.Process(target=_sink, args=(port, received, ready), daemon=True)
    sink.start()
    ready.wait(30)

    with throwaway_database(keep=options.keep):
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from accounts import services as account_services
        from accounts.models import User
        from campaigns import services as campaign_services
        from campaigns.models import Campaign, Step
        from sending import scheduler
        from sending.models import CampaignMailbox, Mailbox, Message

        settings.ALLOW_PRIVATE_HOSTS = True  # the sink is on loopback

        started = time.perf_counter()
        owner = User.objects.create_user("bench@example.com", "bench-password-123")
        workspace = account_services.workspace_create(name="Bench", owner=owner, plan_code="lightspeed")
        seed_leads(workspace, options.enrollments)
        campaigns = []
        for number in range(CAMPAIGNS):
            campaign = campaign_services.campaign_create(workspace=workspace, name=f"Bench {number}")
            Step.objects.create(
                workspace=workspace, campaign=campaign, position=1, subject="Hi {{first_name}}", body=BODY
            )
            Step.objects.create(
                workspace=workspace, campaign=campaign, position=2, delay_days=3, subject="", body=BODY
            )
            campaigns.append(campaign)
        Campaign.objects.for_workspace(workspace).update(
            status="active",
            schedule_days=[1, 2, 3, 4, 5, 6, 7],
            schedule_start="00:00",
            schedule_end="23:59:59",
        )
        now = timezone.now()
        per_campaign = options.enrollments // CAMPAIGNS
        execute(
            """
            INSERT INTO campaigns_enrollment (workspace_id, campaign_id, lead_id, created_at, next_send_at)
            SELECT %s, (%s::bigint[])[1 + (n - 1) / %s], id, now(), %s
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM leads_lead WHERE workspace_id = %s) l
            """,
            [workspace.pk, [c.pk for c in campaigns], per_campaign, now + timedelta(days=1), workspace.pk],
        )
        for number in range(MAILBOXES):
            mailbox = Mailbox.objects.create(
                workspace=workspace,
                email=f"sender{number}@bench.example",
                from_name=f"Sender {number}",
                smtp_host="127.0.0.1",
                smtp_port=port,
                smtp_security="none",
                daily_limit=10_000,
                min_interval_seconds=0,
            )
            CampaignMailbox.objects.create(
                workspace=workspace, campaign=campaigns[number % CAMPAIGNS], mailbox=mailbox
            )
        analyze()
        print(f"seeded {options.enrollments:,} enrollments in {time.perf_counter() - started:.0f} s")

        with connection.cursor() as cursor:
            cursor.execute(
                "EXPLAIN SELECT lead_id FROM campaigns_enrollment WHERE campaign_id = %s "
                "AND status = 'active' AND next_send_at IS NOT NULL AND next_send_at <= %s "
                "ORDER BY next_send_at, lead_id LIMIT 200",
                [campaigns[0].pk, now],
            )
            print("\nplan of the due query:\n" + "\n".join(row[0] for row in cursor.fetchall()))
        print("\nplan of the campaigns-with-due query:\n" + scheduler.campaigns_with_due(now=now).explain())

        idle = []
        for _ in range(options.runs):
            begun = time.perf_counter()
            assert scheduler.send_due() == 0
            idle.append((time.perf_counter() - begun) * 1000)
        print(f"\nnothing due: median {statistics.median(idle):.1f} ms, worst {max(idle):.1f} ms")

        for due in (100, 1_000):
            make_due(due, timezone.now())
            begun = time.perf_counter()
            sent = scheduler.send_due()
            elapsed = time.perf_counter() - begun
            print(f"{due:>6,} due: pass {elapsed * 1000:.0f} ms, sent {sent:,}")

        make_due(END_TO_END, timezone.now())
        analyze()
        before, peak_before = rss_mb(), peak_rss_mb()
        before_received = received.value
        begun = time.perf_counter()
        sent = scheduler.send_due()
        elapsed = time.perf_counter() - begun
        taken = received.value - before_received
        recorded = Message.objects.for_workspace(workspace).filter(status="sent").count()
        print(
            f"\n{END_TO_END:,} due, one process: sent {sent:,} in {elapsed:.1f} s = "
            f"{sent / elapsed:.0f} messages/s (the sink took {taken:,}; {recorded:,} recorded sent in all)"
        )
        print(
            f"resident memory: {before:.0f} MB before the pass, {rss_mb():.0f} MB after; "
            f"peak {peak_before:.0f} MB before, {peak_rss_mb():.0f} MB after"
        )
        begun = time.perf_counter()
        assert scheduler.send_due() == 0
        print(f"then nothing due again: {(time.perf_counter() - begun) * 1000:.1f} ms")
    sink.terminate()


BODY = (
    "Hi {{first_name|there}},\n\nI noticed {{company_name}} is growing. Worth a short call this week?\n\n"
    "{{sender_name}}\n\nNot interested? {{unsubscribe_url}}\n"
)


if __name__ == "__main__":
    main()
