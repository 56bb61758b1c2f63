"""The whole way from nothing to a sent message, in the browser: connect a mailbox (a real SMTP server on
loopback) and test it, write a sequence, open the schedule, choose the mailbox, start, and find the
message in the Sent log after the scheduler's pass."""

import re

import pytest
from playwright.sync_api import expect

from sending.scheduler import send_due
from tests.factories import (
    DEFAULT_PASSWORD,
    CampaignFactory,
    LeadFactory,
    UserFactory,
    WorkspaceFactory,
    enroll,
)
from tests.sending.smtp_server import SmtpServer

pytestmark = pytest.mark.browser


@pytest.fixture
def smtp_server(settings):
    settings.ALLOW_PRIVATE_HOSTS = True
    server = SmtpServer().start()
    yield server
    server.stop()


def test_connect_a_mailbox_write_a_sequence_start_and_see_the_message_in_the_sent_log(
    page, smtp_server, screenshot
):
    user = UserFactory(email="ada@example.com")
    workspace = WorkspaceFactory(name="Analytical Engines", owner=user)
    campaign = CampaignFactory(workspace=workspace, name="Spring launch")
    enroll(campaign, [LeadFactory(workspace=workspace, email="grace@example.com", first_name="Grace")])

    page.goto("/login/")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Mailboxes").click()
    page.get_by_label("Email address").fill("ada@analytical.example.com")
    page.get_by_label("From name").fill("Ada Lovelace")
    page.get_by_label("SMTP host").fill("127.0.0.1")
    page.get_by_label("SMTP port").fill(str(smtp_server.port))
    page.get_by_label("SMTP security").select_option("none")
    page.get_by_label("SMTP username").fill(smtp_server.username)
    page.get_by_label("SMTP password").fill(smtp_server.password)
    page.get_by_label("Seconds between sends").fill("0")
    page.get_by_role("button", name="Connect the mailbox").click()
    expect(page.get_by_text("ada@analytical.example.com is connected.")).to_be_visible()
    page.get_by_role("button", name="Test the login").click()
    expect(page.get_by_role("main")).to_contain_text("SMTP: ok")
    assert smtp_server.password not in page.content()
    screenshot("mailbox-tested")

    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_role("link", name="Sequence").click()
    page.get_by_label("Subject").fill("Hello {{first_name|there}}")
    page.get_by_label("Body").fill(
        "Hi {{first_name}}, a word from {{sender_name}}.\n\nUnsubscribe: {{unsubscribe_url}}"
    )
    page.get_by_role("button", name="Add the step").click()
    expect(page.get_by_text("Step 1 is added.")).to_be_visible()

    page.get_by_role("link", name="← Spring launch").click()
    page.get_by_role("link", name="Schedule").click()
    for day in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        page.get_by_label(day).check()
    page.get_by_label("From").fill("00:00")
    page.get_by_label("Until").fill("23:59")
    page.get_by_role("button", name="Save the schedule").click()
    expect(page.get_by_text("Spring launch's schedule is saved.")).to_be_visible()

    page.goto(f"/campaigns/{campaign.pk}/")
    page.get_by_test_id("start-campaign").click()
    expect(page.get_by_role("main")).to_contain_text("mailbox")
    page.get_by_role("link", name="Mailboxes it sends from…").click()
    page.get_by_label(re.compile("ada@analytical.example.com")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Spring launch sends from the mailboxes ticked.")).to_be_visible()

    page.get_by_role("link", name="← Spring launch").click()
    page.get_by_test_id("start-campaign").click()
    expect(page.get_by_test_id("campaign-status")).to_have_text("Active")

    assert send_due() == 1  # what beat runs every minute
    (received,) = smtp_server.messages_to("grace@example.com")
    assert received["Subject"] == "Hello Grace"

    page.get_by_role("link", name="Sent: the message log").click()
    sent_log = page.get_by_role("main")
    expect(sent_log).to_contain_text("grace@example.com")
    expect(sent_log.locator(".badge.sent")).to_have_text("Sent")
    screenshot("campaign-sent-log")
