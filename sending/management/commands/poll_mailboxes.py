from django.core.management.base import BaseCommand, CommandError

from sending.poller import poll_mailboxes


class Command(BaseCommand):
    help = (
        "One IMAP pass now over every mailbox: records replies and bounces. "
        "Its last line is `replies N bounces M`."
    )

    def handle(self, *args, **options):
        polled = poll_mailboxes()
        if polled is None:
            raise CommandError("Another poller pass is running; nothing was read by this one.")
        replies, bounces = polled
        self.stdout.write(f"replies {replies} bounces {bounces}")
