"""Mailboxes, the campaigns they send for, and the sent log (DESIGN.md rules 18, 19, 25). Fields and
constraints only: ``sending.services`` writes them, the scheduler (``sending.scheduler``) sends."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from core.tenancy import TenantModel


class Security(models.TextChoices):
    STARTTLS = "starttls", "STARTTLS"
    SSL = "ssl", "SSL/TLS"
    NONE = "none", "None (unencrypted)"


class MailboxStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    # The server refused the login or could not be reached: its sends wait until it is fixed (rule 19).
    ERROR = "error", "Error"


class Mailbox(TenantModel):
    """An address the workspace sends from, with its SMTP server (sending) and IMAP server (replies and
    bounces). Passwords are stored Fernet-encrypted (``core.secrets``) and never leave the server."""

    Status = MailboxStatus
    Security = Security

    email = models.CharField(max_length=254)
    from_name = models.CharField(max_length=200, blank=True)
    smtp_host = models.CharField(max_length=253)
    smtp_port = models.PositiveIntegerField(
        default=587, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    smtp_security = models.CharField(max_length=8, choices=Security.choices, default=Security.STARTTLS)
    smtp_username = models.CharField(max_length=254, blank=True)
    smtp_password_encrypted = models.TextField(blank=True, editable=False)
    imap_host = models.CharField(max_length=253, blank=True)
    imap_port = models.PositiveIntegerField(
        default=993, validators=[MinValueValidator(1), MaxValueValidator(65535)]
    )
    imap_security = models.CharField(max_length=8, choices=Security.choices, default=Security.SSL)
    imap_username = models.CharField(max_length=254, blank=True)
    imap_password_encrypted = models.TextField(blank=True, editable=False)
    daily_limit = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(1), MaxValueValidator(10_000)]
    )
    min_interval_seconds = models.PositiveIntegerField(
        default=60, validators=[MinValueValidator(0), MaxValueValidator(86_400)]
    )
    status = models.CharField(max_length=6, choices=MailboxStatus.choices, default=MailboxStatus.ACTIVE)
    # The server's words when it last refused us (status ``error``).
    last_error = models.TextField(blank=True)
    # The earliest time it may send again: its last message + min_interval_seconds + a little jitter.
    available_at = models.DateTimeField(null=True, blank=True)
    # The IMAP poller's place in the INBOX (rule 23): messages up to this UID of this UIDVALIDITY are read.
    # A new UIDVALIDITY means the UIDs were renumbered: the folder is read again from the start, and
    # messages already recorded (by their Message-ID) are skipped.
    imap_uidvalidity = models.PositiveBigIntegerField(null=True, blank=True)
    imap_last_uid = models.PositiveBigIntegerField(default=0)
    imap_polled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "mailboxes"
        constraints = [
            models.UniqueConstraint(fields=["workspace", "email"], name="mailbox_email_unique_per_workspace"),
            models.CheckConstraint(condition=Q(status__in=MailboxStatus.values), name="mailbox_status_valid"),
            models.CheckConstraint(
                condition=Q(smtp_security__in=Security.values, imap_security__in=Security.values),
                name="mailbox_security_valid",
            ),
            models.CheckConstraint(
                condition=Q(daily_limit__gte=1, daily_limit__lte=10_000), name="mailbox_daily_limit_range"
            ),
        ]

    def __str__(self):
        return self.email


class CampaignMailbox(TenantModel):
    """A mailbox a campaign sends from. Its leads are spread over its mailboxes round-robin; each lead
    keeps the one it was given for its whole sequence."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="campaign_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "mailbox"], name="campaign_mailbox_once"),
        ]

    def __str__(self):
        return f"{self.mailbox_id} for {self.campaign_id}"


class MessageStatus(models.TextChoices):
    # Claimed in the database before the SMTP conversation (rule 19).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    # Refused: a 4xx (retried as a new attempt) or a 5xx for the recipient (the enrollment bounced).
    FAILED = "failed", "Failed"
    # Claimed by a worker that died before it could say how it went: never resent by itself.
    UNKNOWN = "unknown", "Unknown"


class Message(TenantModel):
    """One attempt to send one step of a sequence to one lead: the sent log. The enrollment is
    (campaign, lead). At most one attempt per (enrollment, step) is ``sending``, ``sent`` or ``unknown``:
    the database holds it to that (rule 19)."""

    Status = MessageStatus

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    # Null once the step is deleted; ``step_number`` keeps which one it was.
    step = models.ForeignKey(
        "campaigns.Step", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    step_number = models.PositiveSmallIntegerField()
    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    to_email = models.CharField(max_length=254)
    subject = models.CharField(max_length=998, blank=True)
    # RFC 5322 Message-ID, angle brackets included; follow-ups name the one before in In-Reply-To.
    message_id = models.CharField(max_length=255, unique=True)
    in_reply_to = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=7, choices=MessageStatus.choices, default=MessageStatus.SENDING)
    smtp_code = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    claimed_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "lead", "step"],
                condition=Q(status__in=["sending", "sent", "unknown"]),
                name="message_step_at_most_once",
            ),
            models.CheckConstraint(condition=Q(status__in=MessageStatus.values), name="message_status_valid"),
        ]
        indexes = [
            models.Index(fields=["workspace", "campaign", "-id"], name="message_campaign_newest"),
            # A mailbox's sends of the day (daily limit), and the claims a dead worker left.
            models.Index(fields=["mailbox", "claimed_at"], name="message_mailbox_claimed"),
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="message_claims_open"),
            models.Index(fields=["campaign", "lead"], name="message_enrollment"),
            # Analytics (sending.stats): a campaign's sent messages per day and per step, read from the
            # index alone.
            models.Index(
                fields=["campaign", "sent_at"],
                include=["workspace", "step_number"],
                condition=Q(status="sent"),
                name="message_campaign_sent",
            ),
        ]

    def __str__(self):
        return self.message_id


class ReplyKind(models.TextChoices):
    REPLY = "reply", "Reply"
    # Auto-Submitted, out-of-office and the like: kept apart, they do not end a sequence.
    AUTO_REPLY = "auto_reply", "Automatic reply"
    # A delivery status notification (rule 23): hard (5.x.x) ends the enrollment as bounced, soft is counted.
    BOUNCE = "bounce", "Bounce"
    # A mailto unsubscribe (rule 21): kept so that reading the folder again does not suppress again an
    # address the user has since taken off the suppression list.
    UNSUBSCRIBE = "unsubscribe", "Unsubscribe"


class ReplyLabel(models.TextChoices):
    INTERESTED = "interested", "Interested"
    NOT_INTERESTED = "not_interested", "Not interested"
    OUT_OF_OFFICE = "out_of_office", "Out of office"
    WRONG_PERSON = "wrong_person", "Wrong person"


class Reply(TenantModel):
    """A message the IMAP poller read from a mailbox and matched to one of ours (``message``) by its
    In-Reply-To/References, or a bounce report about one of ours. The inbox (``/replies``) shows kind
    ``reply`` by default; auto-replies, bounces and mailto unsubscribes are kept apart by ``kind``.

    Read once: (mailbox, header_message_id) is unique, so a pass that reads a message again (a new
    UIDVALIDITY, a pass that died before saving its place) records nothing new."""

    Kind = ReplyKind
    Label = ReplyLabel

    mailbox = models.ForeignKey(Mailbox, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The message of ours it answers or reports on; the lead and campaign are its (kept if it is deleted).
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="replies"
    )
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="+")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=ReplyKind.choices, default=ReplyKind.REPLY)
    label = models.CharField(max_length=14, choices=ReplyLabel.choices, blank=True)
    # The RFC 5322 Message-ID of the message read (angle brackets included), or a digest of it if it had none.
    header_message_id = models.CharField(max_length=255)
    imap_uid = models.PositiveBigIntegerField(null=True, blank=True)
    from_email = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=998, blank=True)
    snippet = models.CharField(max_length=300, blank=True)
    body = models.TextField(blank=True)
    # Bounces: the DSN's status (e.g. "5.1.1") and diagnostic, and whether it was permanent.
    bounce_status = models.CharField(max_length=16, blank=True)
    bounce_diagnostic = models.TextField(blank=True)
    hard_bounce = models.BooleanField(default=False)
    received_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "replies"
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "header_message_id"], name="reply_read_once"),
            models.CheckConstraint(condition=Q(kind__in=ReplyKind.values), name="reply_kind_valid"),
            models.CheckConstraint(
                condition=Q(label="") | Q(label__in=ReplyLabel.values), name="reply_label_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["workspace", "kind", "-received_at"], name="reply_inbox"),
            models.Index(fields=["campaign", "received_at"], name="reply_campaign_day"),
        ]

    def __str__(self):
        return f"{self.kind} {self.header_message_id}"
