"""Connections to a mailbox's servers: SMTP to send, IMAP to read replies. Both connect through
``core.hosts`` (rule 25: the resolved address is checked, and the connection goes to it), log in with the
decrypted password, and keep TLS's certificate checks on the configured host name."""

import imaplib
import smtplib
import ssl

from core import secrets
from core.hosts import connect_public
from sending.models import Mailbox

TIMEOUT_SECONDS = 20


class _CheckedSMTP(smtplib.SMTP):
    def _get_socket(self, host, port, timeout):
        return connect_public(host, port, timeout if timeout is not None else TIMEOUT_SECONDS)


class _CheckedSMTPSSL(smtplib.SMTP_SSL):
    def _get_socket(self, host, port, timeout):
        sock = connect_public(host, port, timeout if timeout is not None else TIMEOUT_SECONDS)
        return self.context.wrap_socket(sock, server_hostname=self._host)


class _CheckedIMAP(imaplib.IMAP4):
    def _create_socket(self, timeout):
        return connect_public(self.host, self.port, timeout if timeout is not None else TIMEOUT_SECONDS)


class _CheckedIMAPSSL(imaplib.IMAP4_SSL):
    def _create_socket(self, timeout):
        sock = connect_public(self.host, self.port, timeout if timeout is not None else TIMEOUT_SECONDS)
        return self.ssl_context.wrap_socket(sock, server_hostname=self.host)


def tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def smtp_open(mailbox: Mailbox, *, timeout: float = TIMEOUT_SECONDS) -> smtplib.SMTP:
    """A logged-in SMTP connection for ``mailbox``. Raises ``core.hosts.HostRefused``, ``OSError`` or
    ``smtplib.SMTPException`` (``SMTPAuthenticationError`` when the login is refused)."""
    host, port = mailbox.smtp_host, mailbox.smtp_port
    smtp: smtplib.SMTP
    if mailbox.smtp_security == Mailbox.Security.SSL:
        smtp = _CheckedSMTPSSL(host, port, timeout=timeout, context=tls_context())
    else:
        smtp = _CheckedSMTP(host, port, timeout=timeout)
    try:
        smtp.ehlo()
        if mailbox.smtp_security == Mailbox.Security.STARTTLS:
            smtp.starttls(context=tls_context())
            smtp.ehlo()
        if mailbox.smtp_username:
            smtp.login(mailbox.smtp_username, secrets.decrypt(mailbox.smtp_password_encrypted))
    except BaseException:
        smtp.close()
        raise
    return smtp


def imap_open(mailbox: Mailbox, *, timeout: float = TIMEOUT_SECONDS) -> imaplib.IMAP4:
    """A logged-in IMAP connection for ``mailbox``. Raises ``core.hosts.HostRefused``, ``OSError`` or
    ``imaplib.IMAP4.error`` (the login refused)."""
    host, port = mailbox.imap_host, mailbox.imap_port
    imap: imaplib.IMAP4
    if mailbox.imap_security == Mailbox.Security.SSL:
        imap = _CheckedIMAPSSL(host, port, ssl_context=tls_context(), timeout=timeout)
    else:
        imap = _CheckedIMAP(host, port, timeout=timeout)
    try:
        if mailbox.imap_security == Mailbox.Security.STARTTLS:
            imap.starttls(ssl_context=tls_context())
        imap.login(mailbox.imap_username or mailbox.email, secrets.decrypt(mailbox.imap_password_encrypted))
    except BaseException:
        imap.shutdown()
        raise
    return imap
