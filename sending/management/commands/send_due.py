from django.core.management.base import BaseCommand, CommandError

from sending.scheduler import send_due_alone


class Command(BaseCommand):
    help = "One scheduler pass now: sends what is due. Its last line is `sent N`."

    def handle(self, *args, **options):
        sent = send_due_alone()
        if sent is None:
            raise CommandError("Another scheduler pass is running; nothing was sent by this one.")
        self.stdout.write(f"sent {sent}")
