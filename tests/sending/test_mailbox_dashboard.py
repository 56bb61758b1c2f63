"""The Mailboxes pages of the dashboard and a campaign's mailboxes page; the admin's mailbox pages. No page
ever shows a password, not even the one just typed (rule 25)."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from campaigns.models import Enrollment
from core import secrets
from sending import selectors
from sending.models import CampaignMailbox, Mailbox
from tests.factories import CampaignFactory, LeadFactory, enroll, owner_of
from tests.sending.factories import IMAP_PASSWORD, SMTP_PASSWORD, make_mailbox

FORM = {
    "email": "grace@example.com",
    "from_name": "Grace Hopper",
    "smtp_host": "smtp.example.com",
    "smtp_port": "465",
    "smtp_security": "ssl",
    "smtp_username": "grace",
    "smtp_password": "typed-smtp-Pw1",
    "imap_host": "imap.example.com",
    "imap_port": "993",
    "imap_security": "ssl",
    "imap_username": "",
    "imap_password": "typed-imap-Pw2",
    "daily_limit": "25",
    "min_interval_seconds": "120",
}


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def page(response):
    assert response.status_code == 200
    return response.content.decode()


def no_password_in(html, *secrets_):
    for secret in secrets_:
        assert secret not in html
    for value in re.findall(r'<input type="password"[^>]*>', html):
        assert "value=" not in value


def test_the_mailboxes_page_lists_status_last_error_and_sends_of_the_day(client, workspace, other_workspace):
    make_mailbox(workspace, email="ok@example.com", daily_limit=40)
    broken = make_mailbox(workspace, email="broken@example.com")
    Mailbox.objects.for_workspace(workspace).filter(pk=broken.pk).update(
        status=Mailbox.Status.ERROR, last_error="535 5.7.8 Authentication credentials invalid"
    )
    make_mailbox(other_workspace, email="theirs@example.com")

    html = page(client.get(reverse("mailboxes")))

    assert "ok@example.com" in html and "broken@example.com" in html
    assert "theirs@example.com" not in html
    assert '<span class="badge error">Error</span>' in html
    assert "535 5.7.8 Authentication credentials invalid" in html
    assert "0 / 40" in html
    assert f'href="{reverse("mailboxes")}" aria-current="page"' in html
    no_password_in(html, SMTP_PASSWORD, IMAP_PASSWORD)


def test_connecting_a_mailbox_stores_it_and_never_shows_the_passwords(client, workspace):
    response = client.post(reverse("mailboxes"), FORM, follow=True)

    html = page(response)
    mailbox = Mailbox.objects.for_workspace(workspace).get()
    assert mailbox.email == "grace@example.com"
    assert (mailbox.smtp_port, mailbox.daily_limit, mailbox.min_interval_seconds) == (465, 25, 120)
    assert secrets.decrypt(mailbox.smtp_password_encrypted) == "typed-smtp-Pw1"
    assert "grace@example.com is connected" in html
    no_password_in(html, "typed-smtp-Pw1", "typed-imap-Pw2")


def test_a_refused_form_shows_the_problem_and_not_the_typed_passwords(client, workspace):
    make_mailbox(workspace, email="grace@example.com")

    html = page(client.post(reverse("mailboxes"), {**FORM, "smtp_port": "70000"}))
    duplicate = page(client.post(reverse("mailboxes"), FORM))

    assert "Ensure this value is less than or equal to 65535." in html
    assert "Another mailbox of this workspace has this email address." in duplicate
    no_password_in(html + duplicate, "typed-smtp-Pw1", "typed-imap-Pw2")
    assert Mailbox.objects.for_workspace(workspace).count() == 1


def test_editing_keeps_the_stored_passwords_when_the_fields_are_left_empty(client, workspace):
    mailbox = make_mailbox(workspace)
    url = reverse("mailbox_edit", args=[mailbox.pk])
    html = page(client.get(url))
    no_password_in(html, SMTP_PASSWORD, IMAP_PASSWORD)

    client.post(url, {**FORM, "smtp_password": "", "imap_password": "", "daily_limit": "12"})

    mailbox.refresh_from_db()
    assert (mailbox.email, mailbox.daily_limit) == ("grace@example.com", 12)
    assert secrets.decrypt(mailbox.smtp_password_encrypted) == SMTP_PASSWORD
    assert secrets.decrypt(mailbox.imap_password_encrypted) == IMAP_PASSWORD


def test_the_test_button_shows_what_the_servers_said(client, workspace, smtp_server):
    mailbox = make_mailbox(
        workspace,
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_username=smtp_server.username,
        smtp_password="not-the-Pw9",
        imap_host="",
    )

    html = page(client.post(reverse("mailbox_test", args=[mailbox.pk]), follow=True))

    assert "SMTP: The server refused the login: 535" in html
    assert "IMAP: not configured." in html
    assert "not-the-Pw9" not in html


def test_pausing_a_mailbox_from_its_page(client, workspace):
    mailbox = make_mailbox(workspace)

    client.post(reverse("mailbox_status", args=[mailbox.pk]), {"status": "paused"})

    mailbox.refresh_from_db()
    assert mailbox.status == Mailbox.Status.PAUSED


def test_deleting_asks_first_naming_its_campaigns_then_deletes(client, workspace):
    mailbox = make_mailbox(workspace)
    campaign = CampaignFactory(workspace=workspace, name="Autumn push")
    lead = LeadFactory(workspace=workspace)
    enroll(campaign, [lead])
    CampaignMailbox.objects.create(workspace=workspace, campaign=campaign, mailbox=mailbox)
    Enrollment.objects.for_workspace(workspace).update(mailbox_id=mailbox.pk)
    url = reverse("mailbox_delete", args=[mailbox.pk])

    confirm = page(client.get(url))
    assert "Delete ada@example.com?" in confirm
    assert "Autumn push" in confirm
    assert Mailbox.objects.for_workspace(workspace).exists()

    html = page(client.post(url, follow=True))

    assert "ada@example.com is deleted." in html
    assert not Mailbox.objects.for_workspace(workspace).exists()
    assert Enrollment.objects.for_workspace(workspace).get().mailbox_id is None


def test_choosing_a_campaigns_mailboxes_with_checkboxes(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    first, second = (
        make_mailbox(workspace, email="a@example.com"),
        make_mailbox(workspace, email="b@example.com"),
    )
    url = reverse("campaign_mailboxes", args=[campaign.pk])
    detail = page(client.get(reverse("campaign_detail", args=[campaign.pk])))
    assert f'href="{url}"' in detail

    before = page(client.get(url))
    assert "Choose at least one active mailbox for this campaign before starting it." in before

    after = page(client.post(url, {"mailboxes": [str(second.pk)]}, follow=True))

    assert selectors.campaign_mailbox_ids(campaign) == [second.pk]
    assert f'value="{second.pk}" checked' in after
    assert f'value="{first.pk}" checked' not in after
    assert "Choose at least one active mailbox" not in after


def test_a_campaigns_mailboxes_page_refuses_an_id_that_is_not_a_choice(client, workspace, other_workspace):
    campaign = CampaignFactory(workspace=workspace)
    theirs = make_mailbox(other_workspace)

    html = page(
        client.post(reverse("campaign_mailboxes", args=[campaign.pk]), {"mailboxes": [str(theirs.pk)]})
    )

    assert "is not one of the available choices" in html
    assert selectors.campaign_mailbox_ids(campaign) == []


@pytest.fixture
def admin_client_(db):
    user = get_user_model().objects.create_superuser(email="support@example.com", password="x")
    client = Client()
    client.force_login(user)
    return client


def test_the_admin_shows_a_mailbox_without_its_passwords(admin_client_, workspace):
    mailbox = make_mailbox(workspace)

    listing = page(admin_client_.get(reverse("admin:sending_mailbox_changelist")))
    change = page(admin_client_.get(reverse("admin:sending_mailbox_change", args=[mailbox.pk])))

    assert "ada@example.com" in listing and "ada@example.com" in change
    for html in (listing, change):
        assert SMTP_PASSWORD not in html and IMAP_PASSWORD not in html
        assert mailbox.smtp_password_encrypted not in html
        assert "password_encrypted" not in html
