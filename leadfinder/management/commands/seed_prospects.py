import time

from django.core.management.base import BaseCommand, CommandError

from leadfinder.loading import prospects_seed
from leadfinder.models import Prospect


class Command(BaseCommand):
    help = (
        "Adds synthetic Lead Finder prospects: deterministic (same seed, same rows), realistic, "
        "by COPY (1,000,000 in minutes)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True, help="How many prospects to make.")
        parser.add_argument("--seed", type=int, default=0, help="Same seed, same rows (default 0).")
        parser.add_argument(
            "--if-empty", action="store_true", help="Do nothing if the Lead Finder has prospects already."
        )

    def handle(self, *args, count, seed, if_empty, **options):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if if_empty and Prospect.objects.exists():
            self.stdout.write("The Lead Finder has prospects already; none added.")
            return
        started = time.monotonic()

        def progress(done, added):
            self.stdout.write(
                f"{done:,} / {count:,} made, {added:,} added ({time.monotonic() - started:.0f} s)"
            )

        added = prospects_seed(count=count, seed=seed, progress=progress)
        skipped = f"; {count - added:,} skipped (email already there)" if added < count else ""
        self.stdout.write(
            self.style.SUCCESS(f"{added:,} prospects added in {time.monotonic() - started:.1f} s{skipped}.")
        )
