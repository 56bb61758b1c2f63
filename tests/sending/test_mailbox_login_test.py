"""POST /mailboxes/{id}/test logs in to the real servers (aiosmtpd, Dovecot) through the host guard: the
server's words when it refuses, never a password, and no connection at all to an internal address while
private hosts are not allowed (rule 25)."""

import logging

import pytest
from django.urls import reverse

from sending import services
from sending.models import Mailbox
from tests.sending.factories import LIST, detail, mailbox_body
from tests.sending.smtp_server import free_port

WRONG_PASSWORD = "wrong-Pa55word-xyz"


def url_of(mailbox):
    return reverse("api:mailbox-test", args=[mailbox.pk])


def connect(workspace, smtp_server, imap_server=None, **overrides):
    fields = {
        "email": "sender@example.com",
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp_server.port,
        "smtp_security": "none",
        "smtp_username": smtp_server.username,
        "smtp_password": smtp_server.password,
        "imap_host": "",
    }
    if imap_server is not None:
        fields |= {
            "imap_host": "127.0.0.1",
            "imap_port": imap_server.port,
            "imap_security": "none",
            "imap_username": imap_server.username,
            "imap_password": imap_server.password,
        }
    return services.mailbox_create(workspace=workspace, **(fields | overrides))


def test_a_mailbox_whose_servers_take_its_logins_tests_ok(api_client, workspace, smtp_server, imap_server):
    mailbox = connect(workspace, smtp_server, imap_server)

    response = api_client.post(url_of(mailbox), format="json")

    assert response.status_code == 200
    assert response.json() == {"smtp": "ok", "imap": "ok"}
    assert smtp_server.logins == 1


def test_a_mailbox_without_imap_says_so(api_client, workspace, smtp_server):
    mailbox = connect(workspace, smtp_server)

    assert api_client.post(url_of(mailbox)).json() == {"smtp": "ok", "imap": "not configured"}


def test_a_refused_smtp_login_answers_the_servers_words_without_the_password(
    api_client, workspace, smtp_server, imap_server
):
    mailbox = connect(workspace, smtp_server, imap_server, smtp_password=WRONG_PASSWORD)

    answer = api_client.post(url_of(mailbox)).json()

    assert answer["imap"] == "ok"
    assert answer["smtp"].startswith("The server refused the login: 535")
    assert "Authentication credentials invalid" in answer["smtp"]
    assert WRONG_PASSWORD not in answer["smtp"]
    assert smtp_server.logins == 0


def test_a_refused_imap_login_answers_the_servers_words_without_the_password(
    api_client, workspace, smtp_server, imap_server
):
    mailbox = connect(workspace, smtp_server, imap_server, imap_password=WRONG_PASSWORD)

    answer = api_client.post(url_of(mailbox)).json()

    assert answer["smtp"] == "ok"
    assert answer["imap"] == "The server refused the login: [AUTHENTICATIONFAILED] Authentication failed."


def test_a_closed_port_is_said_in_words(api_client, workspace, smtp_server):
    closed = free_port()
    mailbox = connect(workspace, smtp_server, smtp_port=closed)

    answer = api_client.post(url_of(mailbox)).json()

    assert answer["smtp"] == f"127.0.0.1:{closed} refused the connection."


def test_a_mailbox_in_error_whose_logins_work_again_is_active(
    api_client, workspace, smtp_server, imap_server
):
    mailbox = connect(workspace, smtp_server, imap_server)
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(
        status=Mailbox.Status.ERROR, last_error="535 Authentication credentials invalid"
    )

    api_client.post(url_of(mailbox))

    answer = api_client.get(detail(mailbox)).json()
    assert (answer["status"], answer["last_error"]) == ("active", "")


def test_a_failed_test_leaves_the_mailbox_as_it_was(api_client, workspace, smtp_server):
    mailbox = connect(workspace, smtp_server, smtp_password=WRONG_PASSWORD)
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(status=Mailbox.Status.PAUSED)

    api_client.post(url_of(mailbox))

    assert api_client.get(detail(mailbox)).json()["status"] == "paused"


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("localhost", "127.0.0.1"),
        ("10.0.0.1", "10.0.0.1"),
        ("169.254.169.254", "169.254.169.254"),
    ],
)
def test_an_internal_address_is_refused_at_test_time_without_connecting(
    api_client, workspace, smtp_server, settings, host, address
):
    settings.ALLOW_PRIVATE_HOSTS = False
    mailbox = connect(workspace, smtp_server, smtp_host=host, imap_host=host, imap_port=smtp_server.port)

    answer = api_client.post(url_of(mailbox)).json()

    for said in (answer["smtp"], answer["imap"]):
        assert said == f"{host} resolves to {address}, an internal address, which is not allowed."
    assert smtp_server.logins == 0
    assert smtp_server.received == []


def test_no_log_record_carries_a_password(api_client, workspace, smtp_server, imap_server, caplog):
    caplog.set_level(logging.DEBUG)
    fields = mailbox_body(
        email="logged@example.com",
        smtp_host="127.0.0.1",
        smtp_port=smtp_server.port,
        smtp_security="none",
        smtp_username=smtp_server.username,
        smtp_password=WRONG_PASSWORD,
        imap_host="127.0.0.1",
        imap_port=imap_server.port,
        imap_security="none",
        imap_username=imap_server.username,
        imap_password="imap-wrong-Qq19",
    )

    mailbox_id = api_client.post(LIST, fields, format="json").json()["id"]
    api_client.patch(detail(mailbox_id), {"smtp_password": "patched-Vv42", "bad": 1}, format="json")
    api_client.patch(detail(mailbox_id), {"smtp_password": "patched-Vv43"}, format="json")
    api_client.post(reverse("api:mailbox-test", args=[mailbox_id]))

    assert caplog.records, "the requests logged nothing: the check would be blind"
    logged = "\n".join(
        f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records
    )
    for secret in (WRONG_PASSWORD, "imap-wrong-Qq19", "patched-Vv42", "patched-Vv43"):
        assert secret not in logged
