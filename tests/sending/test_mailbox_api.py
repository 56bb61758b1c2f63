"""/api/v1/mailboxes: a workspace's sending addresses, with write-only passwords (rules 18 and 25)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from campaigns.models import Enrollment
from core import secrets
from core.errors import DomainError
from sending import services
from sending.models import CampaignMailbox, Mailbox, Message
from tests import unchanged
from tests.concurrency.threads import run_together
from tests.factories import CampaignFactory, LeadFactory, WorkspaceFactory, enroll
from tests.sending.factories import IMAP_PASSWORD, LIST, SMTP_PASSWORD, detail, mailbox_body, make_mailbox

ANSWER_FIELDS = {
    "id",
    "email",
    "from_name",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
    "daily_limit",
    "min_interval_seconds",
    "status",
    "last_error",
    "sent_today",
}


def stored(mailbox_id):
    return Mailbox.objects.unscoped().get(pk=mailbox_id)


def test_connecting_a_mailbox_answers_its_settings_without_the_passwords(api_client):
    response = api_client.post(LIST, mailbox_body(), format="json")

    assert response.status_code == 201
    answer = response.json()
    assert set(answer) == ANSWER_FIELDS
    assert answer["email"] == "ada@example.com"
    assert answer["status"] == "active"
    assert answer["last_error"] == ""
    assert answer["sent_today"] == 0
    assert answer["daily_limit"] == 40
    assert SMTP_PASSWORD not in response.content.decode()
    assert IMAP_PASSWORD not in response.content.decode()


def test_passwords_are_stored_encrypted_and_decrypt_to_what_was_sent(api_client):
    mailbox_id = api_client.post(LIST, mailbox_body(), format="json").json()["id"]

    mailbox = stored(mailbox_id)
    assert SMTP_PASSWORD not in mailbox.smtp_password_encrypted
    assert IMAP_PASSWORD not in mailbox.imap_password_encrypted
    assert secrets.decrypt(mailbox.smtp_password_encrypted) == SMTP_PASSWORD
    assert secrets.decrypt(mailbox.imap_password_encrypted) == IMAP_PASSWORD


def test_no_answer_ever_carries_a_password(api_client, workspace):
    mailbox = make_mailbox(workspace)

    answers = [
        api_client.get(LIST),
        api_client.get(detail(mailbox)),
        api_client.patch(detail(mailbox), {"smtp_password": "another-one-55"}, format="json"),
    ]

    for response in answers:
        text = response.content.decode()
        assert response.status_code == 200
        for secret in (SMTP_PASSWORD, IMAP_PASSWORD, "another-one-55", "password"):
            assert secret not in text


def test_a_mailbox_takes_the_defaults_for_what_is_omitted(api_client):
    response = api_client.post(
        LIST, {"email": "bob@example.com", "smtp_host": "smtp.example.com"}, format="json"
    )

    assert response.status_code == 201
    answer = response.json()
    assert (answer["daily_limit"], answer["min_interval_seconds"]) == (30, 60)
    assert (answer["smtp_port"], answer["smtp_security"]) == (587, "starttls")
    assert answer["imap_host"] == ""


def test_the_same_email_twice_in_a_workspace_is_a_400_naming_the_field(api_client, workspace):
    make_mailbox(workspace, email="ada@example.com")

    with unchanged.nothing_changes():
        response = api_client.post(LIST, mailbox_body(email=" ADA@example.COM "), format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "email" in response.json()["error"]["details"]


def test_another_workspace_may_connect_the_same_email(api_client, other_workspace):
    make_mailbox(other_workspace, email="ada@example.com")

    assert api_client.post(LIST, mailbox_body(email="ada@example.com"), format="json").status_code == 201


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("smtp_port", 0),
        ("smtp_port", 65536),
        ("imap_port", 70000),
        ("smtp_port", "25"),
        ("smtp_security", "tls"),
        ("imap_security", "SSL"),
        ("daily_limit", 0),
        ("daily_limit", 10_001),
        ("min_interval_seconds", -1),
        ("min_interval_seconds", 86_401),
        ("smtp_host", "smtp example.com"),
        ("smtp_host", "smtp.exa_mple.com"),
        ("smtp_host", "-smtp.example.com"),
        ("smtp_host", "smtp..example.com"),
        ("smtp_host", "http://smtp.example.com"),
        ("imap_host", "imap.example.com:993"),
        ("smtp_host", ""),
        ("email", "not-an-email"),
        ("password", "hunter2"),
    ],
)
def test_a_bad_value_is_a_400_naming_the_field_and_changes_nothing(api_client, field, value):
    with unchanged.nothing_changes():
        response = api_client.post(LIST, mailbox_body(**{field: value}), format="json")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert field in error["details"]


@pytest.mark.parametrize(
    "host", ["smtp.example.com", "10.1.2.3", "2001:db8::1", "bücher.example", "localhost"]
)
def test_host_names_and_ip_addresses_are_accepted_when_saved(api_client, host):
    assert api_client.post(LIST, mailbox_body(smtp_host=host), format="json").status_code == 201


def test_patch_with_no_password_or_an_empty_one_keeps_the_stored_passwords(api_client, workspace):
    mailbox = make_mailbox(workspace)

    first = api_client.patch(detail(mailbox), {"from_name": "Ada L."}, format="json")
    second = api_client.patch(detail(mailbox), {"smtp_password": "", "imap_password": ""}, format="json")

    assert (first.status_code, second.status_code) == (200, 200)
    mailbox = stored(mailbox.pk)
    assert mailbox.from_name == "Ada L."
    assert secrets.decrypt(mailbox.smtp_password_encrypted) == SMTP_PASSWORD
    assert secrets.decrypt(mailbox.imap_password_encrypted) == IMAP_PASSWORD


def test_patch_with_a_password_replaces_it(api_client, workspace):
    mailbox = make_mailbox(workspace)

    api_client.patch(detail(mailbox), {"imap_password": "new-imap-pass"}, format="json")

    mailbox = stored(mailbox.pk)
    assert secrets.decrypt(mailbox.imap_password_encrypted) == "new-imap-pass"
    assert secrets.decrypt(mailbox.smtp_password_encrypted) == SMTP_PASSWORD


def _in_error(workspace):
    mailbox = make_mailbox(workspace)
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(
        status=Mailbox.Status.ERROR, last_error="535 5.7.8 Authentication credentials invalid"
    )
    return mailbox


@pytest.mark.parametrize(
    "change",
    [{"smtp_password": "the-right-one"}, {"smtp_host": "mail.example.net"}, {"imap_port": 143}],
)
def test_new_connection_settings_bring_a_mailbox_in_error_back_to_active(api_client, workspace, change):
    mailbox = _in_error(workspace)

    answer = api_client.patch(detail(mailbox), change, format="json").json()

    assert (answer["status"], answer["last_error"]) == ("active", "")


def test_a_change_that_is_not_a_connection_setting_leaves_a_mailbox_in_error(api_client, workspace):
    mailbox = _in_error(workspace)

    answer = api_client.patch(detail(mailbox), {"daily_limit": 10}, format="json").json()

    assert answer["status"] == "error"
    assert answer["last_error"].startswith("535")


def test_patch_pauses_and_resumes_a_mailbox(api_client, workspace):
    mailbox = make_mailbox(workspace)

    paused = api_client.patch(detail(mailbox), {"status": "paused"}, format="json").json()
    resumed = api_client.patch(detail(mailbox), {"status": "active"}, format="json").json()

    assert (paused["status"], resumed["status"]) == ("paused", "active")


def test_patch_may_not_set_error_and_unknown_fields_are_a_400(api_client, workspace):
    mailbox = make_mailbox(workspace)

    with unchanged.nothing_changes():
        error = api_client.patch(detail(mailbox), {"status": "error"}, format="json")
        unknown = api_client.patch(detail(mailbox), {"smtp_password_encrypted": "x"}, format="json")
        empty = api_client.patch(detail(mailbox), {}, format="json")

    assert error.status_code == unknown.status_code == empty.status_code == 400
    assert "status" in error.json()["error"]["details"]
    assert "smtp_password_encrypted" in unknown.json()["error"]["details"]


def test_patch_to_an_email_another_mailbox_has_is_a_400(api_client, workspace):
    make_mailbox(workspace, email="taken@example.com")
    mailbox = make_mailbox(workspace, email="mine@example.com")

    response = api_client.patch(detail(mailbox), {"email": "Taken@example.com"}, format="json")

    assert response.status_code == 400
    assert "email" in response.json()["error"]["details"]


def _message(workspace, mailbox, *, status, claimed_at, lead=None, campaign=None):
    campaign = campaign or CampaignFactory(workspace=workspace)
    lead = lead or LeadFactory(workspace=workspace)
    return Message.objects.create(
        workspace=workspace,
        campaign=campaign,
        lead=lead,
        step_number=1,
        mailbox=mailbox,
        to_email=lead.email,
        message_id=f"<{campaign.pk}.{lead.pk}.{status}@example.com>",
        status=status,
        claimed_at=claimed_at,
    )


@time_machine.travel(datetime(2026, 3, 10, 0, 30, tzinfo=UTC), tick=False)
def test_sent_today_counts_the_claims_of_the_utc_day_that_were_not_refused(api_client, workspace):
    mailbox = make_mailbox(workspace)
    now = datetime(2026, 3, 10, 0, 30, tzinfo=UTC)
    for status in ("sending", "sent", "unknown", "failed"):
        _message(workspace, mailbox, status=status, claimed_at=now - timedelta(minutes=20))
    # 23:59 UTC yesterday: another day, however late it is elsewhere.
    _message(workspace, mailbox, status="sent", claimed_at=now - timedelta(minutes=31))

    listed = api_client.get(LIST).json()["results"][0]
    one = api_client.get(detail(mailbox)).json()

    assert listed["sent_today"] == one["sent_today"] == 3


def test_deleting_a_mailbox_unlinks_it_clears_its_enrollments_and_keeps_the_sent_log(api_client, workspace):
    mailbox = make_mailbox(workspace)
    other = make_mailbox(workspace, email="other@example.com")
    campaign = CampaignFactory(workspace=workspace)
    lead, kept = LeadFactory(workspace=workspace), LeadFactory(workspace=workspace)
    enroll(campaign, [lead, kept])
    services.campaign_mailboxes_set(
        workspace=workspace, campaign=campaign, mailbox_ids=[mailbox.pk, other.pk]
    )
    enrollments = Enrollment.objects.for_workspace(workspace)
    enrollments.filter(lead=lead).update(mailbox_id=mailbox.pk)
    enrollments.filter(lead=kept).update(mailbox_id=other.pk)
    message = _message(
        workspace, mailbox, status="sent", claimed_at=datetime.now(UTC), lead=lead, campaign=campaign
    )

    response = api_client.delete(detail(mailbox))

    assert response.status_code == 204
    assert api_client.get(detail(mailbox)).status_code == 404
    assert enrollments.get(lead=lead).mailbox_id is None
    assert enrollments.get(lead=kept).mailbox_id == other.pk
    assert list(CampaignMailbox.objects.for_workspace(workspace).values_list("mailbox_id", flat=True)) == [
        other.pk
    ]
    message.refresh_from_db()
    assert message.mailbox_id is None


def test_an_idempotency_key_connects_the_mailbox_once(api_client, workspace):
    first = api_client.post(LIST, mailbox_body(), format="json", HTTP_IDEMPOTENCY_KEY="connect-ada")
    again = api_client.post(LIST, mailbox_body(), format="json", HTTP_IDEMPOTENCY_KEY="connect-ada")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert Mailbox.objects.for_workspace(workspace).count() == 1


def test_the_list_shows_only_the_workspaces_mailboxes(api_client, workspace, other_workspace):
    make_mailbox(workspace, email="ours@example.com")
    make_mailbox(other_workspace, email="theirs@example.com")

    emails = [item["email"] for item in api_client.get(LIST).json()["results"]]

    assert emails == ["ours@example.com"]


def test_the_schema_describes_the_mailbox_endpoints_without_readable_passwords(api_client):
    schema = api_client.get(reverse("schema"), HTTP_ACCEPT="application/json").json()

    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/mailboxes"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/mailboxes/{mailbox_id}"])
    assert "404" in paths["/api/v1/mailboxes/{mailbox_id}/test"]["post"]["responses"]
    assert "400" in paths["/api/v1/mailboxes"]["post"]["responses"]
    answer = schema["components"]["schemas"]["Mailbox"]["properties"]
    assert not any("password" in name for name in answer)
    assert "smtp_password" in schema["components"]["schemas"]["MailboxWriteRequest"]["properties"]


@pytest.mark.django_db(transaction=True)
def test_two_requests_connecting_the_same_email_at_once_make_one_mailbox_and_one_400():
    workspace = WorkspaceFactory()

    outcomes = run_together([lambda: make_mailbox(workspace), lambda: make_mailbox(workspace)])

    assert Mailbox.objects.for_workspace(workspace).count() == 1
    refused = [outcome for outcome in outcomes if isinstance(outcome, DomainError)]
    assert len(refused) == 1
    assert "email" in refused[0].details
