"""Unsubscribe links (rule 21): a signed token names the workspace, the contact and the campaign, so the
public page needs no login, no cookie and no lookup a stranger could guess."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "leadpool.unsubscribe"


def make_token(*, workspace_id: int, lead_id: int, campaign_id: int) -> str:
    return signing.dumps([workspace_id, lead_id, campaign_id], salt=SALT, compress=True)


def read_token(token: str) -> tuple[int, int, int]:
    """(workspace_id, lead_id, campaign_id); ``signing.BadSignature`` for a token we did not make."""
    workspace_id, lead_id, campaign_id = signing.loads(token, salt=SALT)
    return int(workspace_id), int(lead_id), int(campaign_id)


def unsubscribe_url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("unsubscribe", args=[token])
