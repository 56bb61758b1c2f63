"""Re-encrypts every stored secret (mailbox passwords, webhook signing secrets: ``core.secrets.STORED``)
under the newest key of LEADPOOL_SECRET_KEYS (rule 25): put a new key in front, run this, then drop the
old one."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core import secrets

BATCH = 500


class Command(BaseCommand):
    help = "Re-encrypts every stored secret under the newest LEADPOOL_SECRET_KEYS key."

    def handle(self, *args, **options):
        rotated = 0
        for model, fields in secrets.STORED:
            rotated += self.rotate(model, fields)
        self.stdout.write(f"rotated {rotated} secrets")

    def rotate(self, model, fields):
        """Every row of every workspace, in batches by id, each batch locked and saved in one transaction."""
        rotated, last = 0, 0
        rows = model.objects.unscoped().order_by("pk")
        while True:
            with transaction.atomic():
                batch = list(rows.filter(pk__gt=last).select_for_update()[:BATCH])
                if not batch:
                    return rotated
                for row in batch:
                    for field in fields:
                        try:
                            setattr(row, field, secrets.rotate(getattr(row, field)))
                        except secrets.SecretUnreadable as exc:
                            raise CommandError(
                                f"{model._meta.verbose_name.capitalize()} {row.pk}: no configured key opens "
                                f"its {field.removesuffix('_encrypted').replace('_', ' ')}. Nothing after it "
                                "was rotated; put the old key back in LEADPOOL_SECRET_KEYS and run again."
                            ) from exc
                        rotated += bool(getattr(row, field))
                model.objects.unscoped().bulk_update(batch, list(fields))
                last = batch[-1].pk
