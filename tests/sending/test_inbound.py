"""Reading one message (rule 23, ``sending.inbound.read_message``): delivery status notifications as Gmail,
Microsoft 365 and Postfix send them, automatic replies, replies and mailto unsubscribes, classified and
their text taken apart. The poller's tests (test_poller.py) deliver the same messages into Dovecot."""

import pytest

from sending.inbound import AUTO_REPLY, BOUNCE, REPLY, UNSUBSCRIBE, html_to_text, read_message, snippet_of
from tests.sending.mail import mail

OURS = "<172.1.2@outreach.example>"
LEAD = "jane@company.example"
MAILBOX = "sender@outreach.example"


def read(name, **values):
    return read_message(mail(name, message_id=OURS, lead=LEAD, mailbox=MAILBOX, **values))


@pytest.mark.parametrize(
    ("name", "status", "diagnostic_start"),
    [
        ("gmail_hard_bounce", "5.1.1", "550-5.1.1 The email account that you tried to reach does not exist"),
        ("microsoft365_hard_bounce", "5.1.10", "550 5.1.10 RESOLVER.ADR.RecipientNotFound"),
        ("postfix_hard_bounce", "5.1.1", f"550 5.1.1 <{LEAD}>: Recipient address rejected"),
    ],
)
def test_a_failed_delivery_report_is_a_hard_bounce_naming_the_recipient_status_and_our_message(
    name, status, diagnostic_start
):
    inbound = read(name)
    assert inbound.kind == BOUNCE
    assert inbound.bounce.hard is True
    assert (inbound.bounce.recipient, inbound.bounce.action, inbound.bounce.status) == (
        LEAD,
        "failed",
        status,
    )
    assert inbound.bounce.diagnostic.startswith(diagnostic_start)
    assert inbound.references[0] == OURS
    assert inbound.body  # the report's human-readable text


@pytest.mark.parametrize(("name", "status"), [("gmail_delayed", "4.4.1"), ("postfix_delayed", "4.2.2")])
def test_a_delayed_delivery_report_is_a_soft_bounce(name, status):
    inbound = read(name)
    assert inbound.kind == BOUNCE
    assert (inbound.bounce.action, inbound.bounce.status, inbound.bounce.hard) == ("delayed", status, False)
    assert inbound.references[0] == OURS


def test_a_report_without_the_returned_message_names_only_its_recipient():
    inbound = read("postfix_no_headers")
    assert inbound.kind == BOUNCE and inbound.bounce.hard
    assert inbound.references == ()
    assert inbound.bounce.recipient == LEAD


def test_a_failed_status_4_is_soft_and_a_5_with_action_delayed_is_soft_too():
    failed_4 = mail("postfix_hard_bounce", message_id=OURS, lead=LEAD, mailbox=MAILBOX).replace(
        b"Status: 5.1.1", b"Status: 4.4.7"
    )
    delayed_5 = mail("postfix_hard_bounce", message_id=OURS, lead=LEAD, mailbox=MAILBOX).replace(
        b"Action: failed", b"Action: delayed"
    )
    assert read_message(failed_4).bounce.hard is False
    assert read_message(delayed_5).bounce.hard is False


def test_a_successful_delivery_report_is_not_a_bounce():
    delivered = mail("postfix_hard_bounce", message_id=OURS, lead=LEAD, mailbox=MAILBOX).replace(
        b"Action: failed\r\nStatus: 5.1.1", b"Action: delivered\r\nStatus: 2.0.0"
    )
    inbound = read_message(delivered)
    assert inbound.kind == "" and inbound.bounce is None


def test_a_report_without_a_status_takes_it_from_the_diagnostic():
    raw = mail("postfix_hard_bounce", message_id=OURS, lead=LEAD, mailbox=MAILBOX).replace(
        b"Status: 5.1.1\r\n", b""
    )
    assert read_message(raw).bounce.status == "5.1.1"


@pytest.mark.parametrize("name", ["microsoft365_automatic_reply", "german_out_of_office"])
def test_automatic_replies_are_kept_apart_from_replies(name):
    inbound = read(name)
    assert inbound.kind == AUTO_REPLY
    assert inbound.references[0] == OURS


@pytest.mark.parametrize(
    "header",
    [
        "Auto-Submitted: auto-replied",
        "X-Autoreply: yes",
        "X-Autorespond: Out of office",
        "Precedence: auto_reply",
        "Precedence: bulk",
        "Precedence: junk",
    ],
)
def test_each_automatic_reply_header_makes_an_automatic_reply(header):
    raw = mail("gmail_reply", message_id=OURS, lead=LEAD, mailbox=MAILBOX).replace(
        b"MIME-Version: 1.0\r\n", f"MIME-Version: 1.0\r\n{header}\r\n".encode(), 1
    )
    assert read_message(raw).kind == AUTO_REPLY


@pytest.mark.parametrize(
    "subject",
    [
        "Out of Office: Hello there",
        "Automatic reply: Hello there",
        "Automatische Antwort: Hello there",
        "Réponse automatique : Hello there",
        "Respuesta automática: Hello there",
        "Risposta automatica: Hello there",
        "Autosvar: Hello there",
    ],
)
def test_out_of_office_subjects_in_several_languages_make_an_automatic_reply(subject):
    raw = mail("gmail_reply", message_id=OURS, lead=LEAD, mailbox=MAILBOX).replace(
        b"Subject: Re: Hello there", f"Subject: {subject}".encode()
    )
    assert read_message(raw).kind == AUTO_REPLY


def test_auto_submitted_no_is_a_person_replying():
    raw = mail("gmail_reply", message_id=OURS, lead=LEAD, mailbox=MAILBOX).replace(
        b"MIME-Version: 1.0\r\n", b"MIME-Version: 1.0\r\nAuto-Submitted: no\r\n", 1
    )
    assert read_message(raw).kind == REPLY


def test_a_reply_names_our_message_and_its_snippet_leaves_the_quoted_message_out():
    inbound = read("gmail_reply", reply_id="abc@mail.gmail.com")
    assert inbound.kind == REPLY
    assert inbound.message_id == "<abc@mail.gmail.com>"
    assert inbound.from_email == LEAD
    assert inbound.subject == "Re: Hello there"
    assert inbound.references == (OURS,)
    assert inbound.snippet == (
        "Hi Sam, Thanks for reaching out — yes, we are looking at this right now. Could you send me "
        "pricing for a team of twelve? Best, Jane"
    )
    assert "> A word from Sam Sender." in inbound.body  # the full text keeps it


def test_an_html_only_reply_is_read_as_text_and_matched_by_references_newest_first():
    inbound = read("outlook_html_reply")
    assert inbound.kind == REPLY
    assert inbound.references == (OURS, "<first.step.1234@outreach.example>")
    assert inbound.snippet == "Not interested, thanks. Please remove us from your list. Jane"
    assert "Not interested, thanks." in inbound.body and "<p" not in inbound.body


def test_a_mailto_unsubscribe_is_recognised_by_its_subject():
    inbound = read("mailto_unsubscribe")
    assert (inbound.kind, inbound.from_email) == (UNSUBSCRIBE, LEAD)


def test_a_message_without_a_message_id_gets_a_stable_digest():
    raw = b"From: someone@example.com\r\nSubject: hi\r\n\r\nhello\r\n"
    assert read_message(raw).message_id == read_message(raw).message_id
    assert read_message(raw).message_id.startswith("<sha256.")


def test_a_malformed_message_is_read_without_raising():
    raw = (
        b"From: =?bogus?q?x?= <\xff\xfe>\r\nSubject: =?utf-8?b?!!!?=\r\n"
        b"Content-Type: multipart/report\r\n\r\nx"
    )
    inbound = read_message(raw)
    assert inbound.kind == REPLY and inbound.references == ()


@pytest.mark.parametrize(
    ("body", "snippet"),
    [
        ("Yes please.\n\nOn Mon, 1 Mar 2027, Sam <s@x.example> wrote:\n> Hi", "Yes please."),
        ("Oui.\n\nLe lun. 1 mars 2027 à 10:00, Sam <s@x.example> a écrit :\n> Bonjour", "Oui."),
        ("Gern.\n\nAm Mo., 1. März 2027 um 10:00 Uhr schrieb Sam <s@x.example>:\n> Hallo", "Gern."),
        ("Sure.\n-----Original Message-----\nFrom: Sam\nSent: Monday", "Sure."),
        ("Call me.\n--\nJane Prospect\nCEO", "Call me."),
        ("> quoted first\nMy answer", "My answer"),
    ],
)
def test_the_snippet_is_the_reply_s_own_words(body, snippet):
    assert snippet_of(body) == snippet


def test_html_to_text_drops_styles_and_keeps_paragraphs():
    text = html_to_text("<html><head><style>p{x:y}</style></head><body><p>One &amp; two</p><p>Three</p>")
    assert text.split() == ["One", "&", "two", "Three"]
    assert "\n" in text.strip()
