"""``Idempotency-Key`` on POST, with Stripe's semantics (rule 13).

Same key and same request within 24 hours: the first answer is replayed. Same key, another request:
422 ``idempotency_key_reused``. Same key while the first request is still running: 409
``idempotency_key_in_use``; after ``IDEMPOTENCY_IN_PROGRESS_MINUTES`` without an answer the first request
was interrupted on our side (a crash between its work and its answer), and the 409 says that whether it
took effect is unknown. A 400 (the request was not valid) is not kept, so the client may correct it; a
5xx is kept and replayed (the work may have been committed before the error).
"""

import hashlib
import json
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from core.api.models import IdempotencyKey
from core.errors import DomainError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyKeyInUse(DomainError):
    status_code = 409
    code = "idempotency_key_in_use"


class IdempotencyKeyReused(DomainError):
    status_code = 422
    code = "idempotency_key_reused"


class Replay(Exception):
    """Raised when a completed request is repeated: carries the first answer."""

    def __init__(self, record):
        super().__init__(record.key)
        self.record = record


def _file_digest(uploaded):
    digest = hashlib.sha256()
    for chunk in uploaded.chunks():
        digest.update(chunk)
    uploaded.seek(0)
    return digest.hexdigest()


def request_fingerprint(request):
    data = request.data
    if hasattr(data, "lists"):
        body = {key: values for key, values in data.lists() if key not in request.FILES}
        body["__files__"] = {
            key: [[f.name, _file_digest(f)] for f in files] for key, files in request.FILES.lists()
        }
    else:
        body = data
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": body}, sort_keys=True, default=str
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _expiry_cutoff():
    return timezone.now() - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def claim(request, workspace):
    """Start a request under its key. Returns the new record, or raises Replay / 409 / 422."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(
            f"{HEADER} is at most {MAX_KEY_LENGTH} characters.",
            details={HEADER: [f"At most {MAX_KEY_LENGTH} characters."]},
        )
    fingerprint = request_fingerprint(request)
    records = IdempotencyKey.objects.for_workspace(workspace)
    records.filter(key=key, created_at__lt=_expiry_cutoff()).delete()
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                workspace=workspace,
                key=key,
                method=request.method,
                path=request.path,
                request_fingerprint=fingerprint,
            )
    except IntegrityError:
        existing = records.filter(key=key).first()
        if existing is None:  # its first request failed and gave the key back just now
            raise IdempotencyKeyInUse(
                "A request with this Idempotency-Key has just finished; retry it.", details={"key": key}
            ) from None
    if existing.request_fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request.", details={"key": key}
        )
    if existing.status == IdempotencyKey.Status.IN_PROGRESS:
        lease = timedelta(minutes=settings.IDEMPOTENCY_IN_PROGRESS_MINUTES)
        if existing.created_at < timezone.now() - lease:
            raise IdempotencyKeyInUse(
                "The first request with this Idempotency-Key was interrupted on our side before it could "
                "answer; whether it took effect is unknown. Check, then send it with a new key.",
                details={"key": key, "interrupted": True},
            )
        raise IdempotencyKeyInUse(
            "A request with this Idempotency-Key is still running.", details={"key": key}
        )
    raise Replay(existing)


def complete(record, response):
    """Keeps the answer for replays, as Stripe does, a 5xx too: the work may have been committed before
    the error. Only a 400 (the request was refused before any work) gives the key back."""
    if response.status_code == 400:
        record.delete()
        return
    record.status = IdempotencyKey.Status.COMPLETED
    record.response_status = response.status_code
    record.response_body = (
        json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
    )
    record.save(update_fields=["status", "response_status", "response_body"])


def purge_expired():
    deleted, _ = IdempotencyKey.objects.unscoped().filter(created_at__lt=_expiry_cutoff()).delete()
    return deleted
