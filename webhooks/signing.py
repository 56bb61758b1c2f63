"""The signature of a webhook request (rule 26), as Stripe signs: ``Leadpool-Signature: t=<unix seconds>,
v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``. The timestamp inside the signed text lets a receiver
refuse an old request replayed; docs/webhooks.md shows how a receiver checks it."""

import hashlib
import hmac

HEADER = "Leadpool-Signature"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    return f"t={timestamp},v1={signature(secret, body, timestamp)}"
