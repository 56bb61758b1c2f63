"""Mailboxes and the mailboxes of a campaign (DESIGN.md rules 18, 19 and 25).

Passwords are write-only: they come in as text, are stored only as ``core.secrets`` tokens and never go
out again (no answer, form, log line or error message carries them). A mailbox's host is checked against
our own networks when it is connected to (``sending.connections``), not when it is saved: a name can
resolve elsewhere later.
"""

import imaplib
import ipaddress
import logging
import re
import smtplib
import socket
import ssl
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Workspace
from campaigns import services as campaign_services
from campaigns.models import Campaign
from core import secrets
from core.errors import DomainError
from core.hosts import HostRefused
from leads.normalization import InvalidLead, normalize_email
from sending.connections import TIMEOUT_SECONDS, imap_open, smtp_open
from sending.models import CampaignMailbox, Mailbox

logger = logging.getLogger(__name__)

# What a client sets besides the email and the passwords.
SETTINGS = (
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
)
# A change to any of these may fix what put the mailbox in ``error``.
CONNECTION_FIELDS = (
    "email",
    "smtp_host",
    "smtp_port",
    "smtp_security",
    "smtp_username",
    "imap_host",
    "imap_port",
    "imap_security",
    "imap_username",
)
PASSWORDS = ("smtp_password", "imap_password")
SETTABLE_STATUSES = (Mailbox.Status.ACTIVE, Mailbox.Status.PAUSED)
OK = "ok"
NOT_CONFIGURED = "not configured"
# The server's words are kept, up to this many characters.
MAX_ERROR_LENGTH = 500

_HOST_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)", re.IGNORECASE)


def host_problem(value: str) -> str:
    """Why ``value`` is not a host name or an IP address, or ""."""
    try:
        ipaddress.ip_address(value)
    except ValueError:
        pass
    else:
        return ""
    try:
        ascii_name = value.encode("idna").decode("ascii")
    except UnicodeError:
        return f"{value!r} is not a valid host name."
    labels = ascii_name.removesuffix(".").split(".")
    if len(ascii_name) > 253 or not all(_HOST_LABEL.fullmatch(label) for label in labels):
        return f"{value!r} is not a valid host name or IP address."
    return ""


def _email(value: str) -> str:
    try:
        return normalize_email(value)
    except InvalidLead as exc:
        raise DomainError(
            "The email address is not valid.", details={"email": [exc.errors["email"]]}
        ) from exc


def _check(mailbox: Mailbox) -> None:
    """The model's own rules (choices, ranges, lengths) and the hosts' syntax, as one 400 naming fields."""
    problems: dict[str, list[str]] = {}
    try:
        mailbox.full_clean(exclude=["workspace"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        problems.update(exc.message_dict)
    for name in ("smtp_host", "imap_host"):
        value = getattr(mailbox, name)
        if value and name not in problems and (problem := host_problem(value)):
            problems[name] = [problem]
    if problems:
        raise DomainError("Some fields are not valid: see details.", details=problems)


def _save(workspace: Workspace, mailbox: Mailbox) -> None:
    taken = DomainError(
        "Another mailbox of this workspace has this email address.",
        details={"email": ["Another mailbox of this workspace has this email address."]},
    )
    if Mailbox.objects.for_workspace(workspace).filter(email=mailbox.email).exclude(pk=mailbox.pk).exists():
        raise taken
    try:
        with transaction.atomic():
            mailbox.save()
    except IntegrityError as exc:
        # The same address saved by a concurrent request between the check and the insert.
        if "mailbox_email_unique_per_workspace" in str(exc):
            raise taken from exc
        raise


def _set_passwords(mailbox: Mailbox, passwords: dict[str, str | None]) -> bool:
    """Stores each password given (an omitted or empty one keeps what is stored); True if any changed."""
    changed = False
    for name, plain in passwords.items():
        if plain:
            setattr(mailbox, f"{name}_encrypted", secrets.encrypt(plain))
            changed = True
    return changed


def _known(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(SETTINGS)
    if unknown:
        raise TypeError(f"Not a mailbox setting: {', '.join(sorted(unknown))}")


@transaction.atomic
def mailbox_create(
    *,
    workspace: Workspace,
    email: str,
    smtp_host: str,
    smtp_password: str | None = None,
    imap_password: str | None = None,
    **fields: Any,
) -> Mailbox:
    """A new mailbox, ``active``. ``fields`` are the other settings (``SETTINGS``), model defaults else."""
    _known(fields)
    mailbox = Mailbox(workspace=workspace, email=_email(email), smtp_host=smtp_host.strip(), **fields)
    _set_passwords(mailbox, {"smtp_password": smtp_password, "imap_password": imap_password})
    _check(mailbox)
    _save(workspace, mailbox)
    logger.info("Mailbox %s created in workspace %s.", mailbox.pk, workspace.pk)
    return mailbox


@transaction.atomic
def mailbox_update(
    *,
    workspace: Workspace,
    mailbox: Mailbox,
    email: str | None = None,
    status: str | None = None,
    smtp_password: str | None = None,
    imap_password: str | None = None,
    **fields: Any,
) -> Mailbox:
    """Changes the given settings. A mailbox in ``error`` whose connection settings change is ``active``
    again (the sender finds out whether they work); ``status`` may pause or resume it, never set ``error``."""
    _known(fields)
    mailbox = Mailbox.objects.for_workspace(workspace).select_for_update().get(pk=mailbox.pk)
    before = {name: getattr(mailbox, name) for name in CONNECTION_FIELDS}
    if email is not None:
        mailbox.email = _email(email)
    for name, value in fields.items():
        setattr(mailbox, name, value.strip() if name.endswith("_host") else value)
    new_password = _set_passwords(mailbox, {"smtp_password": smtp_password, "imap_password": imap_password})
    reconnected = new_password or any(getattr(mailbox, name) != before[name] for name in CONNECTION_FIELDS)
    if reconnected and mailbox.status == Mailbox.Status.ERROR:
        mailbox.status, mailbox.last_error = Mailbox.Status.ACTIVE, ""
    if status is not None:
        if status not in SETTABLE_STATUSES:
            raise DomainError(
                "A mailbox can be set active or paused; error is set by the sender.",
                details={"status": ["Must be active or paused."]},
            )
        mailbox.status = status
        if status == Mailbox.Status.ACTIVE:
            mailbox.last_error = ""
    _check(mailbox)
    _save(workspace, mailbox)
    logger.info("Mailbox %s updated in workspace %s.", mailbox.pk, workspace.pk)
    return mailbox


@transaction.atomic
def mailbox_delete(*, workspace: Workspace, mailbox: Mailbox) -> None:
    """Deletes the mailbox and its campaign links; its enrollments forget it, its sent log stays (with
    no mailbox)."""
    campaign_services.enrollments_forget_mailbox(workspace=workspace, mailbox_id=mailbox.pk)
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).delete()
    logger.info("Mailbox %s deleted in workspace %s.", mailbox.pk, workspace.pk)


def _server_words(message: bytes | str) -> str:
    text = message.decode(errors="replace") if isinstance(message, bytes) else message
    # imaplib's errors are the repr of the server's bytes: b'[AUTHENTICATIONFAILED] Authentication failed.'
    quoted = re.fullmatch(r"b(['\"])(.*)\1", text, re.DOTALL)
    return " ".join((quoted.group(2) if quoted else text).split())


def _connection_problem(exc: BaseException, host: str, port: int) -> str:
    if isinstance(exc, HostRefused):
        return str(exc)
    if isinstance(exc, secrets.SecretUnreadable):
        return "The stored password can no longer be read (its key was removed): enter it again."
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"The server refused the login: {exc.smtp_code} {_server_words(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"The server answered {exc.smtp_code} {_server_words(exc.smtp_error)}"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"{host}:{port} closed the connection: {_server_words(str(exc))}"
    if isinstance(exc, smtplib.SMTPException):
        return f"The server refused us: {_server_words(str(exc))}"
    if isinstance(exc, imaplib.IMAP4.error):
        return f"The server refused the login: {_server_words(str(exc))}"
    if isinstance(exc, ssl.SSLError):
        return f"The TLS connection to {host}:{port} failed: {exc.reason or exc}"
    if isinstance(exc, TimeoutError | socket.timeout):
        return f"{host}:{port} did not answer within {TIMEOUT_SECONDS} seconds."
    if isinstance(exc, ConnectionRefusedError):
        return f"{host}:{port} refused the connection."
    if isinstance(exc, OSError):
        return f"Could not connect to {host}:{port}: {exc.strerror or exc}"
    return f"Could not connect to {host}:{port}."


def _without_passwords(text: str, mailbox: Mailbox) -> str:
    """A server may echo what it was sent: no password leaves in its words."""
    for token in (mailbox.smtp_password_encrypted, mailbox.imap_password_encrypted):
        try:
            plain = secrets.decrypt(token)
        except secrets.SecretUnreadable:
            continue
        if plain:
            text = text.replace(plain, "•••")
    return text[:MAX_ERROR_LENGTH]


def imap_problem(exc: BaseException, mailbox: Mailbox) -> str:
    """Why the mailbox's IMAP server could not be used, in the server's words and without a password."""
    return _without_passwords(_connection_problem(exc, mailbox.imap_host, mailbox.imap_port), mailbox)


def mailbox_fail(*, workspace: Workspace, mailbox: Mailbox, words: str) -> None:
    """Rule 19: the mailbox's server refused the login or could not be reached. It goes to ``error`` with
    the server's words (its sends wait, the poller keeps trying its IMAP) until a test succeeds. One
    statement, no lock: the sender and the poller call it while they hold their own transactions."""
    mailbox.status, mailbox.last_error = Mailbox.Status.ERROR, words[:MAX_ERROR_LENGTH]
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(
        status=mailbox.status, last_error=mailbox.last_error, updated_at=timezone.now()
    )
    logger.warning("mailbox %s in error: %s", mailbox.pk, mailbox.last_error)


def _try_smtp(mailbox: Mailbox) -> str:
    try:
        smtp = smtp_open(mailbox)
    except (OSError, smtplib.SMTPException, secrets.SecretUnreadable) as exc:
        return _without_passwords(_connection_problem(exc, mailbox.smtp_host, mailbox.smtp_port), mailbox)
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()
    return OK


def _try_imap(mailbox: Mailbox) -> str:
    if not mailbox.imap_host:
        return NOT_CONFIGURED
    try:
        imap = imap_open(mailbox)
    except (OSError, imaplib.IMAP4.error, secrets.SecretUnreadable) as exc:
        return imap_problem(exc, mailbox)
    try:
        imap.logout()
    except (OSError, imaplib.IMAP4.error):
        imap.shutdown()
    return OK


def mailbox_test(*, workspace: Workspace, mailbox: Mailbox) -> dict[str, str]:
    """Logs in to the mailbox's SMTP and IMAP servers: ``{"smtp": "ok" or why not, "imap": "ok", why not
    or "not configured"}``. Both working bring a mailbox in ``error`` back to ``active``. Not one
    transaction: the servers may take their time, and no database connection waits for them."""
    answer = {"smtp": _try_smtp(mailbox), "imap": _try_imap(mailbox)}
    if answer["smtp"] == OK and answer["imap"] in (OK, NOT_CONFIGURED):
        with transaction.atomic():
            Mailbox.objects.for_workspace(workspace).filter(
                pk=mailbox.pk, status=Mailbox.Status.ERROR
            ).update(status=Mailbox.Status.ACTIVE, last_error="")
        mailbox.refresh_from_db(fields=["status", "last_error"])
    return answer


@transaction.atomic
def campaign_mailboxes_set(*, workspace: Workspace, campaign: Campaign, mailbox_ids: Iterable[int]) -> None:
    """The campaign sends from exactly these mailboxes of the workspace (400 naming any other id)."""
    wanted = set(mailbox_ids)
    known = set(Mailbox.objects.for_workspace(workspace).filter(pk__in=wanted).values_list("pk", flat=True))
    unknown = sorted(wanted - known)
    if unknown:
        listed = ", ".join(str(mailbox_id) for mailbox_id in unknown)
        raise DomainError(
            f"No mailbox with id {listed} in this workspace.",
            details={"mailboxes": [f"No mailbox with id {listed} in this workspace."]},
        )
    links = CampaignMailbox.objects.for_workspace(workspace).filter(campaign=campaign)
    links.exclude(mailbox_id__in=wanted).delete()
    linked = set(links.values_list("mailbox_id", flat=True))
    CampaignMailbox.objects.bulk_create(
        [
            CampaignMailbox(workspace=workspace, campaign=campaign, mailbox_id=mailbox_id)
            for mailbox_id in sorted(wanted - linked)
        ]
    )
