"""The IMAP poller over a mailbox with 10,000 new messages, on PostgreSQL and a real Dovecot (issue 15).

Seeds one workspace with 10,000 contacts enrolled in one active campaign that stops on reply, one message
of ours sent to each from one mailbox, and delivers into that mailbox's INBOX (Dovecot, started as the
tests start it: tests/sending/dovecot.py) one message about each: 70% replies (Gmail's shape), 20% hard
bounces (Postfix's report) and 10% delay warnings (Gmail's). Then one pass (``poll_mailboxes``): messages
per second (target >= 200/s, Dovecot indexing the new folder included), the process's resident memory,
and a second pass that finds nothing new.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python -m benchmarks.imap_bench

``--messages N`` delivers another number.
"""

import argparse
import time
from datetime import timedelta

from benchmarks.common import analyze, execute, seed_leads, throwaway_database
from benchmarks.sending_bench import peak_rss_mb, rss_mb
from tests.sending.dovecot import Dovecot
from tests.sending.mail import mail

SHARES = (("gmail_reply", 7), ("postfix_hard_bounce", 2), ("gmail_delayed", 1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database")
    options = parser.parse_args()

    dovecot = Dovecot().start()
    try:
        with throwaway_database(keep=options.keep):
            run(dovecot, options.messages)
    finally:
        dovecot.stop()


def run(dovecot, count):
    from cryptography.fernet import Fernet
    from django.conf import settings
    from django.db.models import Count
    from django.utils import timezone

    from accounts import services as account_services
    from accounts.models import User
    from campaigns import services as campaign_services
    from campaigns.models import Campaign, Enrollment
    from core import secrets
    from leads.models import Lead
    from sending.models import CampaignMailbox, Mailbox, Message, Reply
    from sending.poller import poll_mailboxes

    settings.ALLOW_PRIVATE_HOSTS = True  # Dovecot is on loopback
    settings.SECRET_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    started = time.perf_counter()
    owner = User.objects.create_user("bench@example.com", "bench-password-123")
    workspace = account_services.workspace_create(name="Bench", owner=owner, plan_code="lightspeed")
    seed_leads(workspace, count)
    campaign = campaign_services.campaign_create(workspace=workspace, name="Bench")
    Campaign.objects.for_workspace(workspace).update(status="active", stop_on_reply=True)
    mailbox = Mailbox.objects.create(
        workspace=workspace,
        email="sender@bench.example",
        smtp_host="127.0.0.1",
        imap_host="127.0.0.1",
        imap_port=dovecot.port,
        imap_security="none",
        imap_username=dovecot.username,
        imap_password_encrypted=secrets.encrypt(dovecot.password),
    )
    CampaignMailbox.objects.create(workspace=workspace, campaign=campaign, mailbox=mailbox)
    now = timezone.now()
    lead_ids = list(Lead.objects.for_workspace(workspace).values_list("pk", flat=True))
    campaign_services.enrollments_add_many(workspace=workspace, campaign=campaign, lead_ids=lead_ids)
    Enrollment.objects.for_workspace(workspace).update(
        step=1, mailbox=mailbox, next_send_at=now + timedelta(days=3), last_sent_at=now
    )
    execute(
        """
        INSERT INTO sending_message (workspace_id, campaign_id, lead_id, step_number, mailbox_id, to_email,
                                     subject, message_id, in_reply_to, status, error, claimed_at, sent_at)
        SELECT %s, %s, id, 1, %s, email, 'Hello there', '<bench.' || id || '@bench.example>', '', 'sent',
               '', %s, %s
        FROM leads_lead WHERE workspace_id = %s
        """,
        [workspace.pk, campaign.pk, mailbox.pk, now, now, workspace.pk],
    )
    analyze()
    kinds = [name for name, share in SHARES for _ in range(share)]
    messages = Message.objects.for_workspace(workspace).order_by("pk").values_list("message_id", "to_email")
    for number, (message_id, to_email) in enumerate(messages.iterator()):
        name = kinds[number % len(kinds)]
        dovecot.deliver(mail(name, message_id=message_id, lead=to_email, mailbox=mailbox.email))
    print(
        f"seeded {count:,} sent messages and delivered {count:,} into Dovecot in "
        f"{time.perf_counter() - started:.0f} s"
    )

    before, peak_before = rss_mb(), peak_rss_mb()
    begun = time.perf_counter()
    replies, bounces = poll_mailboxes()
    elapsed = time.perf_counter() - begun
    after, peak_after = rss_mb(), peak_rss_mb()
    print(
        f"\none pass over {count:,} new messages: {elapsed:.1f} s = {count / elapsed:.0f} messages/s "
        f"(replies {replies:,}, bounces {bounces:,})"
    )
    print(f"RSS {before:.0f} MB before, {after:.0f} MB after; peak {peak_before:.0f} -> {peak_after:.0f} MB")
    statuses = dict(Enrollment.objects.for_workspace(workspace).values_list("status").annotate(n=Count("pk")))
    print(f"enrollments: {statuses}; replies recorded: {Reply.objects.for_workspace(workspace).count():,}")

    begun = time.perf_counter()
    again = poll_mailboxes()
    print(f"second pass (nothing new): {(time.perf_counter() - begun) * 1000:.0f} ms, {again}")


if __name__ == "__main__":
    main()
