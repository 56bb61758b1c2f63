"""Messages as servers send them, to deliver into the test IMAP server (see README.md)."""

import uuid
from pathlib import Path
from string import Template

HERE = Path(__file__).parent


def mail(
    name: str,
    *,
    message_id: str = "<none@outreach.example>",
    lead: str = "",
    mailbox: str = "",
    reply_id: str | None = None,
) -> bytes:
    """The message ``name`` (a file here, without ``.eml``) about our ``message_id`` sent from ``mailbox``
    to ``lead``; its own Message-ID is ``reply_id`` (a new one by default)."""
    text = Template((HERE / f"{name}.eml").read_text()).substitute(
        message_id=message_id,
        lead=lead,
        mailbox=mailbox,
        reply_id=reply_id or f"{uuid.uuid4().hex}@mail.example",
    )
    return text.replace("\n", "\r\n").encode()
