"""What the webhook tests share: an event's first delivery made now, a signature checked the simple way,
and docs/webhooks.md's own receiver code, taken from the document as it is."""

import hashlib
import hmac
import re
from pathlib import Path

from django.conf import settings

from webhooks import services


def first_attempt(event):
    (delivery_id,) = services.event_dispatch(event_id=event.pk)
    return services.delivery_attempt(delivery_id=delivery_id)


def valid_signature(secret, header, body):
    parts = dict(item.split("=", 1) for item in header.split(","))
    expected = hmac.new(secret.encode(), f"{parts['t']}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"])


DOC = Path(settings.BASE_DIR) / "docs" / "webhooks.md"


def the_docs_verify():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Verifying a signature", 1)[1]
    (code,) = re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert len(code.strip().splitlines()) <= 10, "the example stays ten lines"
    namespace: dict = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation's code
    return namespace["verify"]
