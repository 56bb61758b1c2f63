"""Re-encrypts every stored mailbox password under the newest key of LEADPOOL_SECRET_KEYS (rule 25): put
a new key in front, run this, then drop the old one."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import secrets
from sending.models import Mailbox

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypts every stored mailbox password under the newest LEADPOOL_SECRET_KEYS key."

    def handle(self, *args, **options):
        rotated = 0
        # Every workspace's mailboxes: an operator's pass over all of them.
        mailboxes = Mailbox.objects.unscoped().order_by("pk")
        last = 0
        while True:
            with transaction.atomic():
                batch = list(mailboxes.filter(pk__gt=last).select_for_update()[:BATCH])
                if not batch:
                    break
                for mailbox in batch:
                    try:
                        mailbox.smtp_password_encrypted = secrets.rotate(mailbox.smtp_password_encrypted)
                        mailbox.imap_password_encrypted = secrets.rotate(mailbox.imap_password_encrypted)
                    except secrets.SecretUnreadable as exc:
                        raise CommandError(
                            f"Mailbox {mailbox.pk}: no configured key opens its password. Nothing after it "
                            "was rotated; put the old key back in LEADPOOL_SECRET_KEYS and run again."
                        ) from exc
                    rotated += bool(mailbox.smtp_password_encrypted) + bool(mailbox.imap_password_encrypted)
                Mailbox.objects.unscoped().bulk_update(
                    batch, ["smtp_password_encrypted", "imap_password_encrypted"]
                )
                last = batch[-1].pk
        self.stdout.write(f"rotated {rotated} passwords")
