"""The signature of a webhook request (rule 26), as Stripe signs: ``Leadpool-Signature: t=<unix seconds>,
v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``. The timestamp inside the signed text lets a receiver
refuse an old request replayed; docs/webhooks.md shows how a receiver checks it. For a day after its
secret is rolled, a request carries a second ``v1=`` made with the secret before (Stripe does the same):
a receiver accepts the request when any ``v1`` matches its secret."""

import hashlib
import hmac

HEADER = "Leadpool-Signature"


def signature(secret: str, body: bytes, timestamp: int) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(signing_secrets: list[str], body: bytes, timestamp: int) -> str:
    """``t=<timestamp>,v1=<signature>`` with one ``v1`` per secret, the current one first."""
    return ",".join(
        [f"t={timestamp}", *(f"v1={signature(secret, body, timestamp)}" for secret in signing_secrets)]
    )
