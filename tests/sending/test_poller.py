"""The IMAP poller against a real Dovecot (rule 23, and rule 21's mailto unsubscribe): replies, automatic
replies, bounce reports and unsubscribes delivered into the INBOX are each picked up exactly once, across
repeated passes and a new UIDVALIDITY, and do what they mean to the lead's sequences."""

import imaplib
import io
import time
from datetime import UTC, datetime
from email.utils import make_msgid

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import timezone

from billing.models import LedgerEntry
from campaigns.models import Enrollment
from core import secrets
from core.locks import held_alone
from leadfinder import services as leadfinder_services
from leadfinder.models import Ownership, Prospect
from leads import services as lead_services
from leads.models import Suppression
from sending.models import Mailbox, Message, Reply
from sending.poller import POLL_LOCK_KEY, poll_mailbox, poll_mailboxes
from sending.tasks import poll_mailboxes as poll_mailboxes_task
from tests.factories import LeadFactory, enroll, make_prospects
from tests.sending.factories import (
    MailboxFactory,
    enroll_due,
    enrollment,
    imap_mailbox,
    sending_campaign,
    sending_settings,  # noqa: F401 - a fixture
)
from tests.sending.mail import mail

pytestmark = pytest.mark.usefixtures("sending_settings")

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def inbox(imap_server):
    """The session's Dovecot with an empty INBOX (emptied again afterwards)."""
    imap_server.empty_inbox()
    yield imap_server
    imap_server.empty_inbox()


def sent(campaign, lead, mailbox, *, step_number=1, claimed_at=NOW):
    """A message of ours that went to ``lead``."""
    return Message.objects.create(
        workspace=campaign.workspace,
        campaign=campaign,
        lead=lead,
        step_number=step_number,
        mailbox=mailbox,
        to_email=lead.email,
        subject="Hello there",
        message_id=make_msgid(domain="outreach.example"),
        status=Message.Status.SENT,
        claimed_at=claimed_at,
        sent_at=claimed_at,
    )


@pytest.fixture
def mailbox(inbox, workspace):
    return imap_mailbox(inbox, workspace)


@pytest.fixture
def campaign(workspace, mailbox):
    return sending_campaign(workspace, [mailbox])


@pytest.fixture
def ours(campaign, mailbox):
    """A lead in the campaign and the message we sent it."""
    (lead,) = enroll_due(campaign)
    return sent(campaign, lead, mailbox)


def deliver(server, name, message, **values):
    values.setdefault("message_id", message.message_id)
    values.setdefault("lead", message.to_email)
    values.setdefault("mailbox", message.mailbox.email)
    return server.deliver(mail(name, **values))


def status_of(message):
    return enrollment(message.campaign, message.lead).status


def suppressed(workspace, email):
    return Suppression.objects.for_workspace(workspace).filter(value=email).values_list("reason", flat=True)


def test_a_reply_is_recorded_and_ends_the_sequence_when_the_campaign_stops_on_reply(inbox, mailbox, ours):
    deliver(inbox, "gmail_reply", ours, reply_id="answer-1@mail.gmail.com")

    assert poll_mailboxes(now=NOW) == (1, 0)

    reply = Reply.objects.for_workspace(mailbox.workspace).get()
    assert (reply.kind, reply.message, reply.lead_id, reply.campaign_id, reply.mailbox) == (
        Reply.Kind.REPLY,
        ours,
        ours.lead_id,
        ours.campaign_id,
        mailbox,
    )
    assert reply.header_message_id == "<answer-1@mail.gmail.com>"
    assert reply.from_email == ours.to_email and reply.subject == "Re: Hello there"
    assert reply.snippet.startswith("Hi Sam, Thanks for reaching out") and "wrote" not in reply.snippet
    assert "> A word from Sam Sender." in reply.body
    assert reply.imap_uid is not None and reply.received_at is not None
    assert status_of(ours) == Enrollment.Status.REPLIED
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == reply.imap_uid and mailbox.imap_polled_at == NOW
    assert mailbox.imap_uidvalidity is not None


def test_a_reply_leaves_the_sequence_going_when_the_campaign_does_not_stop_on_reply(
    inbox, workspace, mailbox
):
    campaign = sending_campaign(workspace, [mailbox], stop_on_reply=False)
    (lead,) = enroll_due(campaign)
    message = sent(campaign, lead, mailbox)
    deliver(inbox, "gmail_reply", message)

    assert poll_mailboxes() == (1, 0)
    assert Reply.objects.for_workspace(workspace).get().kind == Reply.Kind.REPLY
    assert status_of(message) == Enrollment.Status.ACTIVE


def test_a_reply_ends_only_the_campaign_it_answers(inbox, workspace, mailbox, campaign, ours):
    other = sending_campaign(workspace, [mailbox])
    enroll(other, [ours.lead])
    deliver(inbox, "outlook_html_reply", ours)

    poll_mailboxes()

    assert status_of(ours) == Enrollment.Status.REPLIED
    assert enrollment(other, ours.lead).status == Enrollment.Status.ACTIVE


def test_reading_leaves_the_messages_unread_in_the_mailbox(inbox, mailbox, ours):
    deliver(inbox, "gmail_reply", ours)
    poll_mailboxes()

    imap = imaplib.IMAP4("127.0.0.1", inbox.port)
    imap.login(inbox.username, inbox.password)
    imap.select("INBOX", readonly=True)
    _, unseen = imap.search(None, "UNSEEN")
    imap.logout()
    assert len(unseen[0].split()) == 1


@pytest.mark.parametrize("name", ["microsoft365_automatic_reply", "german_out_of_office"])
def test_an_automatic_reply_is_kept_apart_and_does_not_end_the_sequence(inbox, mailbox, ours, name):
    deliver(inbox, name, ours)

    assert poll_mailboxes() == (0, 0)

    reply = Reply.objects.for_workspace(mailbox.workspace).get()
    assert (reply.kind, reply.message) == (Reply.Kind.AUTO_REPLY, ours)
    assert status_of(ours) == Enrollment.Status.ACTIVE


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("gmail_hard_bounce", "5.1.1"),
        ("microsoft365_hard_bounce", "5.1.10"),
        ("postfix_hard_bounce", "5.1.1"),
    ],
)
def test_a_hard_bounce_ends_the_lead_s_sequences_as_bounced_and_suppresses_it(
    inbox, workspace, mailbox, ours, name, status
):
    other = sending_campaign(workspace, [mailbox])
    enroll(other, [ours.lead])
    deliver(inbox, name, ours)

    assert poll_mailboxes() == (0, 1)

    reply = Reply.objects.for_workspace(workspace).get()
    assert (reply.kind, reply.hard_bounce, reply.bounce_status, reply.message) == (
        Reply.Kind.BOUNCE,
        True,
        status,
        ours,
    )
    assert ours.to_email in reply.bounce_diagnostic or status in reply.bounce_diagnostic
    assert status_of(ours) == Enrollment.Status.BOUNCED
    assert enrollment(other, ours.lead).status == Enrollment.Status.BOUNCED
    assert list(suppressed(workspace, ours.to_email)) == [Suppression.Reason.BOUNCED]


@pytest.mark.parametrize("name", ["gmail_delayed", "postfix_delayed"])
def test_a_soft_bounce_is_counted_only(inbox, workspace, mailbox, ours, name):
    deliver(inbox, name, ours)

    assert poll_mailboxes() == (0, 1)

    reply = Reply.objects.for_workspace(workspace).get()
    assert (reply.kind, reply.hard_bounce, reply.bounce_status[:1]) == (Reply.Kind.BOUNCE, False, "4")
    assert status_of(ours) == Enrollment.Status.ACTIVE
    assert not suppressed(workspace, ours.to_email).exists()


def test_a_report_without_the_returned_message_is_matched_by_its_recipient_newest_message_first(
    inbox, workspace, mailbox, campaign, ours
):
    later = sending_campaign(workspace, [mailbox])
    enroll(later, [ours.lead])
    newer = sent(later, ours.lead, mailbox, claimed_at=datetime(2027, 3, 2, tzinfo=UTC))
    deliver(inbox, "postfix_no_headers", ours)

    poll_mailboxes()

    assert Reply.objects.for_workspace(workspace).get().message == newer


def test_a_report_from_someone_who_is_not_a_mail_system_is_matched_only_by_our_message_id(
    inbox, workspace, mailbox, ours
):
    """Anyone can write a delivery report: one that names none of our Message-IDs is believed only when it
    came as reports do (an empty Return-Path, from MAILER-DAEMON or postmaster)."""
    forged = mail("postfix_no_headers", lead=ours.to_email, mailbox=mailbox.email, message_id=ours.message_id)
    forged = forged.replace(b"Return-Path: <>", b"Return-Path: <stranger@evil.example>")
    forged = forged.replace(
        b"From: Mail Delivery System <MAILER-DAEMON@mail.outreach.example>", b"From: stranger@evil.example"
    )
    inbox.deliver(forged)

    poll_mailboxes()

    assert not Reply.objects.for_workspace(workspace).exists()
    assert status_of(ours) == "active"
    assert not suppressed(workspace, ours.to_email)


def test_a_message_that_cannot_be_read_is_passed_over_and_the_pass_goes_on(inbox, workspace, mailbox, ours):
    """A message nested thousands of parts deep makes the parser give up (RecursionError): it must not
    stop the mailbox's replies and bounces from being read, then or ever after."""
    nested = b"".join(
        b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (depth, depth)
        for depth in range(3000)
    )
    inbox.deliver(
        b"From: someone@example.net\r\nSubject: deep\r\nMessage-ID: <deep@example.net>\r\n" + nested
    )
    deliver(inbox, "gmail_reply", ours)

    assert poll_mailboxes() == (1, 0)

    assert Reply.objects.for_workspace(workspace).get().kind == "reply"
    assert poll_mailboxes() == (0, 0)


def test_a_mailbox_with_a_long_backlog_yields_to_the_others_and_goes_on_at_the_next_pass(
    inbox, workspace, mailbox, campaign, monkeypatch
):
    first, second = enroll_due(campaign, 2)
    for lead in (first, second):
        deliver(inbox, "gmail_reply", sent(campaign, lead, mailbox))
    monkeypatch.setattr("sending.poller.BATCH_SIZE", 1)
    # Its share of the pass is over once the first batch is read.
    readings = iter([0.0, 0.0, 10_000.0])
    monkeypatch.setattr("sending.poller.monotonic", lambda: next(readings))

    assert poll_mailboxes() == (1, 0)
    assert Reply.objects.for_workspace(workspace).count() == 1

    monkeypatch.undo()
    assert poll_mailboxes() == (1, 0)
    assert Reply.objects.for_workspace(workspace).count() == 2


def test_a_hard_bounce_report_for_a_lead_finder_lead_refunds_its_credit_once_across_passes(
    inbox, workspace, mailbox, campaign
):
    [prospect] = make_prospects(1)
    leadfinder_services.download_create(workspace=workspace, prospect_ids=[prospect.pk], campaign=campaign)
    lead = Ownership.objects.for_workspace(workspace).get(prospect=prospect).lead
    message = sent(campaign, lead, mailbox, claimed_at=timezone.now())
    refunds = LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.REFUND)
    deliver(inbox, "gmail_hard_bounce", message)

    assert poll_mailboxes() == (0, 1)
    inbox.set_uidvalidity(int(time.time()))
    poll_mailboxes()
    poll_mailboxes()

    assert refunds.get().amount == 1
    assert Prospect.objects.get(pk=prospect.pk).email_status == "bounced"


def test_a_mailto_unsubscribe_suppresses_the_address_and_ends_its_sequences(inbox, workspace, mailbox, ours):
    other = sending_campaign(workspace, [mailbox])
    enroll(other, [ours.lead])
    deliver(inbox, "mailto_unsubscribe", ours)

    assert poll_mailboxes() == (0, 0)

    assert list(suppressed(workspace, ours.to_email)) == [Suppression.Reason.UNSUBSCRIBED]
    assert status_of(ours) == Enrollment.Status.UNSUBSCRIBED
    assert enrollment(other, ours.lead).status == Enrollment.Status.UNSUBSCRIBED
    kept = Reply.objects.for_workspace(workspace).get()
    assert (kept.kind, kept.lead_id, kept.subject) == (Reply.Kind.UNSUBSCRIBE, ours.lead_id, "unsubscribe")


def test_reading_the_folder_again_does_not_suppress_again_an_address_taken_off_the_list(
    inbox, workspace, mailbox, ours
):
    """The unsubscribe is recorded once: after the user takes the address off the suppression list, a new
    UIDVALIDITY (the folder read again from the start) passes over it."""
    deliver(inbox, "mailto_unsubscribe", ours)
    poll_mailboxes()
    lead_services.suppression_remove(
        workspace=workspace, suppression=Suppression.objects.for_workspace(workspace).get()
    )

    inbox.set_uidvalidity(int(time.time()))
    poll_mailboxes()

    assert not Suppression.objects.for_workspace(workspace).exists()
    assert Reply.objects.for_workspace(workspace).count() == 1


def test_an_unsubscribe_from_an_address_this_mailbox_never_wrote_to_changes_nothing(
    inbox, workspace, mailbox, ours
):
    deliver(inbox, "mailto_unsubscribe", ours, lead="stranger@elsewhere.example")

    poll_mailboxes()

    assert not Suppression.objects.for_workspace(workspace).exists()
    assert status_of(ours) == Enrollment.Status.ACTIVE


def test_each_message_is_read_once_across_repeated_passes(inbox, workspace, mailbox, ours):
    deliver(inbox, "gmail_reply", ours)
    deliver(inbox, "postfix_delayed", ours)
    deliver(inbox, "gmail_reply", ours, mailbox="someone@else.example", message_id="<not-ours@x.example>")

    assert poll_mailboxes() == (1, 1)
    assert poll_mailboxes() == (0, 0)
    deliver(inbox, "gmail_delayed", ours)
    assert poll_mailboxes() == (0, 1)
    assert poll_mailboxes() == (0, 0)

    assert Reply.objects.for_workspace(workspace).count() == 3
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid == max(
        Reply.objects.for_workspace(workspace).values_list("imap_uid", flat=True)
    )


def test_a_new_uidvalidity_reads_the_folder_again_and_records_nothing_twice(inbox, workspace, mailbox, ours):
    fillers = [
        inbox.deliver(f"From: x@shop.example\r\nMessage-ID: <deal{n}@shop.example>\r\n\r\nBuy\r\n".encode())
        for n in range(3)
    ]
    deliver(inbox, "gmail_reply", ours)
    deliver(inbox, "postfix_delayed", ours)
    assert poll_mailboxes() == (1, 1)
    mailbox.refresh_from_db()
    before, last_uid = mailbox.imap_uidvalidity, mailbox.imap_last_uid

    # The server rebuilt its indexes: the two recorded messages become UIDs 1 and 2, and the new ones 3
    # and 4, below the place the mailbox had reached.
    for filler in fillers:
        for path in inbox.maildir.glob(f"*/{filler.name}*"):
            path.unlink()
    assert last_uid >= 5
    inbox.renumber(before + 1000)
    deliver(inbox, "microsoft365_automatic_reply", ours)
    deliver(inbox, "gmail_delayed", ours)

    assert poll_mailboxes() == (0, 1)
    assert poll_mailboxes() == (0, 0)
    kinds = sorted(Reply.objects.for_workspace(workspace).values_list("kind", flat=True))
    assert kinds == ["auto_reply", "bounce", "bounce", "reply"]
    mailbox.refresh_from_db()
    assert (mailbox.imap_uidvalidity, mailbox.imap_last_uid) == (before + 1000, 4)


def test_a_pass_over_a_renumbered_folder_does_not_end_a_resumed_sequence_again(
    inbox, workspace, mailbox, ours
):
    """A reply read before is not acted on again: a lead the user resumed after it stays in its sequence."""
    deliver(inbox, "gmail_reply", ours)
    poll_mailboxes()
    Enrollment.objects.for_workspace(workspace).filter(lead=ours.lead).update(status=Enrollment.Status.ACTIVE)
    mailbox.refresh_from_db()
    inbox.set_uidvalidity(mailbox.imap_uidvalidity + 7)

    assert poll_mailboxes() == (0, 0)
    assert status_of(ours) == Enrollment.Status.ACTIVE


def test_messages_that_match_nothing_of_ours_are_passed_over(inbox, workspace, mailbox, ours):
    inbox.deliver(
        b"From: news@shop.example\r\nSubject: Deals\r\nMessage-ID: <deal@shop.example>\r\n\r\nBuy\r\n"
    )
    deliver(inbox, "gmail_reply", ours, message_id="<someone-elses@x.example>")
    deliver(
        inbox, "postfix_hard_bounce", ours, lead="unknown@company.example", message_id="<other@x.example>"
    )

    assert poll_mailboxes() == (0, 0)

    assert not Reply.objects.for_workspace(workspace).exists()
    mailbox.refresh_from_db()
    assert mailbox.imap_last_uid > 0


def test_our_own_messages_in_the_inbox_are_not_replies(inbox, workspace, mailbox, ours):
    deliver(inbox, "gmail_reply", ours, lead=mailbox.email)

    assert poll_mailboxes() == (0, 0)
    assert status_of(ours) == Enrollment.Status.ACTIVE


def test_a_mailbox_in_another_workspace_never_matches_our_messages(
    inbox, workspace, other_workspace, mailbox, ours
):
    theirs = imap_mailbox(inbox, other_workspace, email=mailbox.email)
    deliver(inbox, "gmail_reply", ours)
    deliver(inbox, "gmail_hard_bounce", ours)

    assert poll_mailbox(theirs).replies == 0
    assert not Reply.objects.for_workspace(other_workspace).exists()
    assert status_of(ours) == Enrollment.Status.ACTIVE
    assert not Suppression.objects.for_workspace(other_workspace).exists()

    assert poll_mailboxes() == (1, 1)
    assert Reply.objects.for_workspace(workspace).count() == 2


def test_a_wrong_imap_password_puts_the_mailbox_in_error_with_the_server_s_words(inbox, workspace, ours):
    wrong = imap_mailbox(inbox, workspace, imap_password_encrypted=secrets.encrypt("not the password"))
    deliver(inbox, "gmail_reply", ours)

    polled = poll_mailbox(wrong)

    wrong.refresh_from_db()
    assert wrong.status == Mailbox.Status.ERROR
    assert "Authentication failed" in wrong.last_error and wrong.last_error == polled.error
    assert "not the password" not in wrong.last_error
    assert wrong.imap_last_uid == 0


def test_a_server_that_cannot_be_reached_puts_the_mailbox_in_error(workspace, inbox):
    unreachable = imap_mailbox(inbox, workspace, imap_port=1)

    poll_mailboxes()

    unreachable.refresh_from_db()
    assert unreachable.status == Mailbox.Status.ERROR
    assert "127.0.0.1:1" in unreachable.last_error


def test_paused_mailboxes_and_mailboxes_without_imap_are_not_read(inbox, workspace, mailbox, ours):
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(status=Mailbox.Status.PAUSED)
    MailboxFactory(workspace=workspace, imap_host="")
    deliver(inbox, "gmail_reply", ours)

    assert poll_mailboxes() == (0, 0)
    mailbox.refresh_from_db()
    assert mailbox.imap_polled_at is None


def test_a_mailbox_in_error_is_still_read(inbox, workspace, mailbox, ours):
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(status=Mailbox.Status.ERROR)
    deliver(inbox, "gmail_reply", ours)

    assert poll_mailboxes() == (1, 0)


def test_a_pass_is_skipped_while_another_runs(inbox, mailbox, ours):
    deliver(inbox, "gmail_reply", ours)
    with held_alone(POLL_LOCK_KEY) as alone:
        assert alone
        assert poll_mailboxes() is None
        with pytest.raises(CommandError, match="Another poller pass is running"):
            call_command("poll_mailboxes", stdout=io.StringIO())
    assert poll_mailboxes() == (1, 0)


def test_the_command_says_what_it_recorded_on_its_last_line(inbox, mailbox, ours):
    deliver(inbox, "gmail_reply", ours)
    deliver(inbox, "postfix_hard_bounce", ours)
    out = io.StringIO()

    call_command("poll_mailboxes", stdout=out)

    assert out.getvalue().splitlines()[-1] == "replies 1 bounces 1"


def test_beat_runs_the_poller_every_five_minutes(inbox, mailbox, ours):
    entry = settings.CELERY_BEAT_SCHEDULE["poll-mailboxes"]
    assert entry == {"task": "sending.tasks.poll_mailboxes", "schedule": 300}
    deliver(inbox, "gmail_reply", ours)

    assert tuple(poll_mailboxes_task.apply().get()) == (1, 0)


def test_a_lead_of_another_mailbox_in_the_workspace_is_matched_by_its_thread(inbox, workspace, mailbox):
    """Replies are matched in the workspace: a reply that reaches another of its mailboxes still counts."""
    sender = MailboxFactory(workspace=workspace)
    campaign = sending_campaign(workspace, [sender])
    lead = LeadFactory(workspace=workspace)
    enroll(campaign, [lead])
    message = sent(campaign, lead, sender)
    deliver(inbox, "gmail_reply", message)

    assert poll_mailboxes() == (1, 0)
    assert Reply.objects.for_workspace(workspace).get().mailbox == mailbox
