"""The scheduler pass (rules 18 and 19) against a real SMTP server: what it sends, to whom, from which
mailbox, when, and how each answer of the server is recorded."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.management import call_command

from campaigns.models import Campaign, Enrollment
from core import secrets
from leads.models import Lead, Suppression
from sending.models import CampaignMailbox, Mailbox, Message
from sending.scheduler import send_due
from sending.unsubscribing import read_token
from tests.factories import enroll
from tests.sending.factories import (
    MONDAY_10,
    MailboxFactory,
    enroll_due,
    enrollment,
    mailbox_for,
    sending_campaign,
    sending_settings,  # noqa: F401 - a fixture
)
from tests.sending.smtp_server import free_port

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("sending_settings"),
]


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        yield traveller


@pytest.fixture
def mailbox(smtp_server, workspace):
    return mailbox_for(smtp_server, workspace, email="sam@outreach.example", from_name="Sam Sender")


def messages(campaign, **filters):
    return Message.objects.for_workspace(campaign.workspace).filter(campaign=campaign, **filters)


TWO_STEPS = ({"subject": "Quick question, {{first_name|there}}"}, {"subject": "", "delay_days": 2})


# What a message carries


def test_a_message_carries_our_message_id_the_unsubscribe_headers_and_the_rendered_variables(
    clock, smtp_server, workspace, mailbox
):
    campaign = sending_campaign(
        workspace,
        [mailbox],
        steps=[
            {
                "subject": "Hi {{first_name|there}} at {{company_name}}",
                "body": "Hello {{first_name|there}} from {{industry|your field}}.\n"
                "{{sender_name}} <{{sender_email}}>\nStop: {{unsubscribe_url}}\n",
            }
        ],
    )
    (lead,) = enroll_due(
        campaign, first_name="Ada", company_name="Analytical", custom_fields={"industry": "looms"}
    )

    assert send_due() == 1

    (received,) = smtp_server.messages_to(lead.email)
    record = messages(campaign).get()
    assert received["Message-ID"] == record.message_id
    assert record.message_id.endswith("@outreach.example>")
    assert received["From"] == "Sam Sender <sam@outreach.example>"
    assert received["To"] == lead.email
    assert received["Subject"] == "Hi Ada at Analytical"
    link, mailto = [part.strip(" <>") for part in received["List-Unsubscribe"].split(",")]
    assert link.startswith(("https://", "http://")) and "/u/" in link
    assert read_token(link.rsplit("/u/", 1)[1]) == (workspace.pk, lead.pk, campaign.pk)
    assert mailto == "mailto:sam@outreach.example?subject=unsubscribe"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received["Date"] is not None
    body = received.get_content()
    assert "Hello Ada from looms." in body
    assert "Sam Sender <sam@outreach.example>" in body
    assert f"Stop: {link}" in body


def test_missing_values_take_their_fallbacks(clock, smtp_server, workspace, mailbox):
    campaign = sending_campaign(
        workspace, [mailbox], steps=[{"subject": "For {{first_name|you}}", "body": "{{industry|Hello}}!"}]
    )
    (lead,) = enroll_due(campaign, first_name="", custom_fields={})

    send_due()

    (received,) = smtp_server.messages_to(lead.email)
    assert received["Subject"] == "For you"
    assert received.get_content().strip() == "Hello!"


def test_a_follow_up_threads_under_the_first_message_with_re_and_its_subject(
    clock, smtp_server, workspace, mailbox
):
    campaign = sending_campaign(workspace, [mailbox], steps=(*TWO_STEPS, {"subject": "", "delay_days": 1}))
    (lead,) = enroll_due(campaign, first_name="Ada")
    send_due()
    clock.shift(timedelta(days=2))
    send_due()
    clock.shift(timedelta(days=1))
    send_due()

    first, second, third = smtp_server.messages_to(lead.email)
    assert first["Subject"] == "Quick question, Ada"
    assert second["Subject"] == "Re: Quick question, Ada"
    assert second["In-Reply-To"] == first["Message-ID"]
    assert second["References"] == first["Message-ID"]
    assert third["In-Reply-To"] == second["Message-ID"]
    assert third["References"].split() == [first["Message-ID"], second["Message-ID"]]
    assert list(messages(campaign).order_by("step_number").values_list("step_number", "status")) == [
        (1, "sent"),
        (2, "sent"),
        (3, "sent"),
    ]


# The sequence


def test_each_step_waits_its_delay_and_the_last_one_completes_the_enrollment(
    clock, smtp_server, workspace, mailbox
):
    campaign = sending_campaign(workspace, [mailbox], steps=TWO_STEPS)
    (lead,) = enroll_due(campaign)

    assert send_due() == 1
    after_first = enrollment(campaign, lead)
    assert (after_first.step, after_first.status) == (1, "active")
    assert after_first.last_sent_at == MONDAY_10
    assert after_first.next_send_at == MONDAY_10 + timedelta(days=2)
    assert after_first.mailbox_id == mailbox.pk

    clock.shift(timedelta(days=2) - timedelta(minutes=1))
    assert send_due() == 0
    clock.shift(timedelta(minutes=1))
    assert send_due() == 1

    done = enrollment(campaign, lead)
    assert (done.step, done.status, done.next_send_at) == (2, "completed", None)
    clock.shift(timedelta(days=30))
    assert send_due() == 0
    assert len(smtp_server.received) == 2


@pytest.mark.parametrize("status", ["draft", "paused", "completed", "archived"])
def test_a_campaign_that_is_not_active_sends_nothing(clock, smtp_server, workspace, mailbox, status):
    campaign = sending_campaign(workspace, [mailbox])
    enroll_due(campaign)
    Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).update(status=status)

    assert send_due() == 0
    assert smtp_server.received == []


def test_a_paused_enrollment_gets_nothing(clock, smtp_server, workspace, mailbox):
    campaign = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign)
    Enrollment.objects.for_workspace(workspace).filter(lead=lead).update(status="paused")

    assert send_due() == 0


def test_the_management_command_runs_one_pass_and_says_how_many_it_sent(
    clock, smtp_server, workspace, mailbox, capsys
):
    enroll_due(sending_campaign(workspace, [mailbox]), count=3)

    call_command("send_due")

    assert capsys.readouterr().out.strip().splitlines()[-1] == "sent 3"
    assert len(smtp_server.received) == 3


# Schedule windows


def test_the_window_is_read_in_the_campaigns_timezone(smtp_server, workspace, mailbox):
    # Monday 07:30 UTC is 16:30 in Tokyo (inside 9-17) and 08:30 in Berlin (before 9).
    tokyo = sending_campaign(workspace, [mailbox], schedule_timezone="Asia/Tokyo")
    berlin = sending_campaign(workspace, [mailbox], schedule_timezone="Europe/Berlin")
    with time_machine.travel(datetime(2027, 3, 1, 7, 30, tzinfo=UTC), tick=False) as traveller:
        enroll_due(tokyo)
        enroll_due(berlin)

        assert send_due() == 1
        assert messages(tokyo).count() == 1 and messages(berlin).count() == 0

        traveller.move_to(datetime(2027, 3, 1, 8, 0, tzinfo=UTC))  # 17:00 Tokyo (end excluded), 9:00 Berlin
        assert send_due() == 1
        assert messages(berlin).count() == 1


def test_the_window_keeps_to_its_days_of_the_week(smtp_server, workspace, mailbox):
    campaign = sending_campaign(workspace, [mailbox], schedule_days=[2, 4])  # Tuesday, Thursday
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        enroll_due(campaign)
        assert send_due() == 0
        traveller.shift(timedelta(days=1))
        assert send_due() == 1


def test_outside_its_hours_a_campaign_waits(smtp_server, workspace, mailbox):
    campaign = sending_campaign(workspace, [mailbox])
    with time_machine.travel(datetime(2027, 3, 1, 17, 0, tzinfo=UTC), tick=False) as traveller:
        enroll_due(campaign)
        assert send_due() == 0
        traveller.move_to(datetime(2027, 3, 2, 8, 59, tzinfo=UTC))
        assert send_due() == 0
        traveller.move_to(datetime(2027, 3, 2, 9, 0, tzinfo=UTC))
        assert send_due() == 1


# Mailboxes: limits, interval, round-robin


def test_a_mailbox_sends_at_most_its_daily_limit_across_passes_and_again_after_midnight_utc(
    smtp_server, workspace
):
    mailbox = mailbox_for(smtp_server, workspace, daily_limit=3)
    campaign = sending_campaign(workspace, [mailbox], schedule_days=[1, 2, 3, 4, 5, 6, 7])
    Campaign.objects.for_workspace(workspace).filter(pk=campaign.pk).update(
        schedule_start="00:00", schedule_end="23:59:59"
    )
    with time_machine.travel(datetime(2027, 3, 1, 23, 0, tzinfo=UTC), tick=False) as traveller:
        enroll_due(campaign, count=5)
        assert send_due() == 3
        traveller.shift(timedelta(minutes=30))
        assert send_due() == 0
        traveller.move_to(datetime(2027, 3, 2, 0, 0, tzinfo=UTC))
        assert send_due() == 2

    assert len(smtp_server.received) == 5


def test_a_refused_message_does_not_count_towards_the_daily_limit(clock, smtp_server, workspace):
    mailbox = mailbox_for(smtp_server, workspace, daily_limit=2)
    campaign = sending_campaign(workspace, [mailbox])
    refused = enroll_due(campaign, email="later@example.com")[0]
    smtp_server.replies[refused.email] = "451 4.7.1 Try later"
    clock.shift(timedelta(seconds=1))
    enroll_due(campaign, count=2)

    assert send_due() == 2


def test_a_mailbox_waits_its_interval_with_a_little_jitter_between_messages(smtp_server, workspace):
    mailbox = mailbox_for(smtp_server, workspace, min_interval_seconds=100)
    campaign = sending_campaign(workspace, [mailbox])
    with time_machine.travel(MONDAY_10, tick=False) as traveller:
        enroll_due(campaign, count=3)
        assert send_due() == 1
        mailbox.refresh_from_db()
        assert (
            MONDAY_10 + timedelta(seconds=100) <= mailbox.available_at <= MONDAY_10 + timedelta(seconds=110)
        )

        traveller.shift(timedelta(seconds=99))
        assert send_due() == 0
        traveller.move_to(mailbox.available_at)
        assert send_due() == 1

    sent_at = sorted(messages(campaign, status="sent").values_list("sent_at", flat=True))
    assert sent_at[1] - sent_at[0] >= timedelta(seconds=100)


def test_new_leads_are_spread_over_the_campaigns_mailboxes_in_turn(clock, smtp_server, workspace):
    boxes = [mailbox_for(smtp_server, workspace) for _ in range(3)]
    campaign = sending_campaign(workspace, boxes)
    leads = enroll_due(campaign, count=6)

    assert send_due() == 6

    given = [enrollment(campaign, lead).mailbox_id for lead in leads]
    assert given == [box.pk for box in boxes] * 2


def test_a_lead_keeps_its_mailbox_for_its_follow_ups(clock, smtp_server, workspace):
    first, second = mailbox_for(smtp_server, workspace), mailbox_for(smtp_server, workspace)
    campaign = sending_campaign(workspace, [first, second], steps=TWO_STEPS)
    leads = enroll_due(campaign, count=2)
    send_due()
    # The other mailbox has sent less today: a new lead would go there first, not a follow-up.
    clock.shift(timedelta(days=2))
    send_due()

    for lead, box in zip(leads, [first, second], strict=True):
        assert set(messages(campaign, lead=lead).values_list("mailbox", flat=True)) == {box.pk}
        assert {m["From"] for m in smtp_server.messages_to(lead.email)} == {f"Sam Sender <{box.email}>"}


def test_a_lead_whose_mailbox_is_paused_waits_and_one_whose_mailbox_was_deleted_gets_another(
    clock, smtp_server, workspace
):
    first, second = mailbox_for(smtp_server, workspace), mailbox_for(smtp_server, workspace)
    campaign = sending_campaign(workspace, [first, second], steps=TWO_STEPS)
    waiting, moving = enroll_due(campaign, count=2)
    send_due()
    clock.shift(timedelta(days=2))
    Mailbox.objects.for_workspace(workspace).filter(pk=first.pk).update(status="paused")
    Enrollment.objects.for_workspace(workspace).filter(lead=moving).update(mailbox=None)
    Mailbox.objects.for_workspace(workspace).filter(pk=second.pk).update(status="paused")
    third = mailbox_for(smtp_server, workspace)
    CampaignMailbox.objects.create(workspace=workspace, campaign=campaign, mailbox=third)

    assert send_due() == 1

    assert enrollment(campaign, waiting).step == 1
    assert enrollment(campaign, moving).mailbox_id == third.pk
    assert enrollment(campaign, moving).step == 2


def test_one_connection_per_mailbox_per_pass(clock, smtp_server, workspace, mailbox):
    enroll_due(sending_campaign(workspace, [mailbox]), count=4)

    send_due()

    assert smtp_server.logins == 1
    assert len(smtp_server.received) == 4


# The server's answers


def test_a_temporary_refusal_is_retried_with_backoff_then_sent(clock, smtp_server, workspace, mailbox):
    campaign = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign)
    smtp_server.replies[lead.email] = "451 4.7.1 Try later"

    assert send_due() == 0
    failed = messages(campaign).get()
    assert (failed.status, failed.smtp_code, failed.error) == ("failed", 451, "451 4.7.1 Try later")
    waiting = enrollment(campaign, lead)
    assert (waiting.status, waiting.attempts, waiting.step) == ("active", 1, 0)
    assert waiting.next_send_at == MONDAY_10 + timedelta(minutes=10)

    clock.shift(timedelta(minutes=10))
    assert send_due() == 0
    assert enrollment(campaign, lead).next_send_at == MONDAY_10 + timedelta(minutes=10 + 20)

    del smtp_server.replies[lead.email]
    clock.shift(timedelta(minutes=20))
    assert send_due() == 1
    done = enrollment(campaign, lead)
    assert (done.status, done.attempts, done.step) == ("completed", 0, 1)
    assert list(messages(campaign).order_by("pk").values_list("status", flat=True)) == [
        "failed",
        "failed",
        "sent",
    ]


def test_five_temporary_refusals_pause_the_lead_and_keep_the_reason(clock, smtp_server, workspace, mailbox):
    campaign = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign)
    smtp_server.replies[lead.email] = "452 4.2.2 Mailbox full"

    for _ in range(5):
        send_due()
        clock.shift(timedelta(days=1))

    paused = enrollment(campaign, lead)
    assert (paused.status, paused.attempts, paused.next_send_at) == ("paused", 5, None)
    last = messages(campaign).order_by("pk").last()
    assert last.error.startswith("452 4.2.2 Mailbox full") and "paused" in last.error
    assert messages(campaign).count() == 5
    assert smtp_server.received == []


def test_a_permanent_refusal_of_the_address_bounces_the_lead_and_suppresses_it(
    clock, smtp_server, workspace, mailbox
):
    campaign = sending_campaign(workspace, [mailbox], steps=TWO_STEPS)
    other = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign, email="gone@example.com")
    smtp_server.replies[lead.email] = "550 5.1.1 No such user"

    assert send_due() == 0

    record = messages(campaign).get()
    assert (record.status, record.smtp_code, record.error) == ("failed", 550, "550 5.1.1 No such user")
    assert enrollment(campaign, lead).status == "bounced"
    suppression = Suppression.objects.for_workspace(workspace).get()
    assert (suppression.kind, suppression.value, suppression.reason) == ("email", lead.email, "bounced")
    # Added to another campaign later, the address is not sent to either.
    enroll(other, [lead])
    assert send_due() == 0
    assert smtp_server.received == []


def test_a_refused_login_puts_the_mailbox_in_error_with_the_servers_words_and_sends_nothing(
    clock, smtp_server, workspace
):
    mailbox = mailbox_for(smtp_server, workspace, smtp_password_encrypted=secrets.encrypt("not the password"))
    campaign = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign)

    assert send_due() == 0

    mailbox.refresh_from_db()
    assert mailbox.status == "error"
    assert mailbox.last_error.startswith("535")
    assert "Authentication" in mailbox.last_error
    assert smtp_server.received == []
    assert not messages(campaign).filter(status__in=["sending", "sent", "unknown"]).exists()
    waiting = enrollment(campaign, lead)
    assert (waiting.status, waiting.step, waiting.next_send_at) == ("active", 0, MONDAY_10)
    # Its leads wait while it is in error.
    clock.shift(timedelta(hours=1))
    assert send_due() == 0


def test_a_server_that_cannot_be_reached_puts_the_mailbox_in_error(clock, workspace):
    mailbox = MailboxFactory(workspace=workspace, smtp_port=free_port())
    campaign = sending_campaign(workspace, [mailbox])
    enroll_due(campaign)

    assert send_due() == 0

    mailbox.refresh_from_db()
    assert mailbox.status == "error"
    assert "refused" in mailbox.last_error.lower()


# At most once


def test_a_claim_left_by_a_dead_worker_becomes_unknown_is_never_resent_and_the_sequence_goes_on(
    clock, smtp_server, workspace, mailbox, settings
):
    settings.SENDING_CLAIM_TIMEOUT_SECONDS = 600
    campaign = sending_campaign(workspace, [mailbox], steps=TWO_STEPS)
    (lead,) = enroll_due(campaign)
    # What a worker killed between its claim and the SMTP conversation leaves behind.
    Message.objects.create(
        workspace=workspace,
        campaign=campaign,
        lead=lead,
        step=campaign.steps.get(position=1),
        step_number=1,
        mailbox=mailbox,
        to_email=lead.email,
        message_id="<claimed@outreach.example>",
        claimed_at=MONDAY_10,
    )
    Enrollment.objects.for_workspace(workspace).filter(lead=lead).update(next_send_at=None, mailbox=mailbox)

    clock.shift(timedelta(seconds=599))
    assert send_due() == 0
    assert messages(campaign).get().status == "sending"

    clock.shift(timedelta(seconds=1))
    assert send_due() == 0
    claim = messages(campaign).get()
    assert claim.status == "unknown"
    assert "not sent again" in claim.error
    moved_on = enrollment(campaign, lead)
    assert (moved_on.step, moved_on.status) == (1, "active")
    assert moved_on.next_send_at == MONDAY_10 + timedelta(seconds=600) + timedelta(days=2)
    assert smtp_server.received == []

    clock.shift(timedelta(days=2))
    assert send_due() == 1
    (follow_up,) = smtp_server.messages_to(lead.email)
    assert follow_up["Subject"].startswith("Re: ")
    assert follow_up["In-Reply-To"] == "<claimed@outreach.example>"
    assert enrollment(campaign, lead).status == "completed"


def test_a_suppressed_address_is_checked_right_before_sending_and_gets_nothing(
    clock, smtp_server, workspace, mailbox
):
    campaign = sending_campaign(workspace, [mailbox])
    kept, listed, by_domain = enroll_due(campaign, count=3)
    listed_domain = "blocked.example"
    Lead.objects.for_workspace(workspace).filter(pk=by_domain.pk).update(email=f"x@{listed_domain}")
    Suppression.objects.create(workspace=workspace, kind="email", value=listed.email, reason="manual")
    Suppression.objects.create(workspace=workspace, kind="domain", value=listed_domain, reason="manual")

    assert send_due() == 1

    assert [m["To"] for m in [r.message for r in smtp_server.received]] == [kept.email]
    for lead in (listed, by_domain):
        skipped = enrollment(campaign, lead)
        assert (skipped.status, skipped.step, skipped.next_send_at) == ("active", 0, None)
        assert not messages(campaign, lead=lead).exists()


def test_a_pass_with_nothing_due_runs_two_queries(clock, workspace, mailbox, django_assert_max_num_queries):
    campaign = sending_campaign(workspace, [mailbox])
    (lead,) = enroll_due(campaign, count=1)
    Enrollment.objects.for_workspace(workspace).filter(lead=lead).update(
        next_send_at=MONDAY_10 + timedelta(hours=1)
    )

    with django_assert_max_num_queries(2):
        assert send_due() == 0


def test_a_body_with_accents_and_a_long_line_reaches_the_reader_whole(clock, smtp_server, workspace, mailbox):
    long_line = "https://example.com/" + "a" * 1000
    campaign = sending_campaign(
        workspace,
        [mailbox],
        steps=[
            {"subject": "Café für {{first_name}}", "body": "Grüße, {{first_name}}!\n"},
            {"body": long_line},
        ],
    )
    (lead,) = enroll_due(campaign, first_name="Zoë")
    send_due()
    clock.shift(timedelta(days=1))
    send_due()

    first, second = smtp_server.messages_to(lead.email)
    assert first["Subject"] == "Café für Zoë"
    assert first.get_content().splitlines() == ["Grüße, Zoë!"]
    assert first["Content-Transfer-Encoding"] == "8bit"
    assert second.get_content().strip() == long_line


class _DropsTheLine:
    """An SMTP server that takes the whole message, then hangs up instead of answering it."""

    async def handle_DATA(self, server, session, envelope):
        server.transport.close()
        return "250 never heard"


@pytest.fixture
def server_that_hangs_up_after_data():
    port = free_port()
    controller = Controller(_DropsTheLine(), hostname="127.0.0.1", port=port)
    controller.start()
    yield port
    controller.stop()


def test_a_connection_dropped_while_the_message_is_handed_over_leaves_it_unknown_never_resent(
    clock, workspace, server_that_hangs_up_after_data
):
    mailbox = MailboxFactory(workspace=workspace, smtp_port=server_that_hangs_up_after_data)
    campaign = sending_campaign(workspace, [mailbox], steps=TWO_STEPS)
    (lead,) = enroll_due(campaign)

    assert send_due() == 0

    record = messages(campaign).get()
    assert record.status == "unknown"
    assert "may have been delivered" in record.error
    moved_on = enrollment(campaign, lead)
    assert (moved_on.step, moved_on.next_send_at) == (1, MONDAY_10 + timedelta(days=2))
    clock.shift(timedelta(hours=1))
    assert send_due() == 0
    assert messages(campaign).count() == 1
