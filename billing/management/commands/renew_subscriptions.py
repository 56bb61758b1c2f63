from django.core.management.base import BaseCommand

from billing import services


class Command(BaseCommand):
    help = "Renews subscriptions whose period ended and writes due credit expiries (what beat runs)."

    def handle(self, *args, **options):
        renewed = services.subscriptions_renew_due()
        self.stdout.write(f"Renewed {renewed} subscription{'s' if renewed != 1 else ''}.")
