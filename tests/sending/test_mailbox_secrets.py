"""Rule 25's keys: the deploy check refuses to run without real ones, and rotate_secrets moves every stored
password to the newest key so that the old one can be dropped."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core import checks
from django.core.management import CommandError, call_command

from core import secrets
from sending.checks import secret_keys
from sending.models import Mailbox
from tests.sending.factories import IMAP_PASSWORD, SMTP_PASSWORD, make_mailbox


def deploy_errors():
    return {message.id for message in checks.run_checks(include_deployment_checks=True, tags=["security"])}


def test_deploy_checks_refuse_no_secret_keys_when_not_debugging(settings):
    settings.DEBUG = False
    settings.SECRET_ENCRYPTION_KEYS = []

    assert "sending.E001" in deploy_errors()


def test_deploy_checks_refuse_a_key_that_is_not_a_fernet_key(settings):
    settings.DEBUG = False
    settings.SECRET_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-key"]

    errors = secret_keys()

    assert [error.id for error in errors] == ["sending.E002"]
    assert "Key 2" in errors[0].msg


def test_deploy_checks_take_real_keys_and_leave_debugging_alone(settings):
    settings.DEBUG = False
    settings.SECRET_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert secret_keys() == []
    assert "sending.E001" not in deploy_errors()

    settings.DEBUG = True
    settings.SECRET_ENCRYPTION_KEYS = []
    assert secret_keys() == []


def test_the_check_runs_only_with_deploy_checks(settings):
    settings.DEBUG = False
    settings.SECRET_ENCRYPTION_KEYS = []

    assert "sending.E001" not in {message.id for message in checks.run_checks(tags=["security"])}


def test_rotate_secrets_moves_every_password_to_the_newest_key(settings, workspace, other_workspace):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SECRET_ENCRYPTION_KEYS = [old]
    ours = make_mailbox(workspace)
    theirs = make_mailbox(other_workspace, imap_password="")
    settings.SECRET_ENCRYPTION_KEYS = [new, old]
    out = io.StringIO()

    call_command("rotate_secrets", stdout=out)

    assert out.getvalue().strip().splitlines()[-1] == "rotated 3 secrets"
    settings.SECRET_ENCRYPTION_KEYS = [new]
    ours, theirs = (Mailbox.objects.unscoped().get(pk=mailbox.pk) for mailbox in (ours, theirs))
    assert secrets.decrypt(ours.smtp_password_encrypted) == SMTP_PASSWORD
    assert secrets.decrypt(ours.imap_password_encrypted) == IMAP_PASSWORD
    assert secrets.decrypt(theirs.smtp_password_encrypted) == SMTP_PASSWORD
    assert theirs.imap_password_encrypted == ""


def test_without_rotating_a_dropped_key_leaves_passwords_unreadable(settings, workspace):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.SECRET_ENCRYPTION_KEYS = [old]
    mailbox = make_mailbox(workspace)
    settings.SECRET_ENCRYPTION_KEYS = [new]

    with pytest.raises(secrets.SecretUnreadable):
        secrets.decrypt(mailbox.smtp_password_encrypted)


def test_rotate_secrets_stops_at_a_password_no_key_opens(settings, workspace):
    settings.SECRET_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    make_mailbox(workspace)
    settings.SECRET_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(CommandError, match=r"Mailbox \d+: no configured key opens its smtp password"):
        call_command("rotate_secrets", stdout=io.StringIO())
