"""Reads of the Replies inbox: the messages the IMAP poller matched to ours (``Reply``), newest first,
across campaigns. The plain inbox (a workspace, one kind) is served by the ``reply_inbox`` index."""

from django.db.models import Q

from accounts.models import Workspace
from campaigns.models import Campaign
from core.pages import KeysetPage
from core.tenancy import TenantQuerySet
from sending.models import Mailbox, Reply, ReplyKind

# A label filter's value for the replies nobody has labelled yet.
UNLABELLED = "none"

# Newest first; replies read in the same second keep a fixed order.
INBOX_ORDER = ("-received_at", "-id")


def replies_for_workspace(
    *,
    workspace: Workspace,
    kind: str = ReplyKind.REPLY,
    campaign: Campaign | None = None,
    mailbox: Mailbox | None = None,
    label: str | None = None,
    search: str = "",
) -> TenantQuerySet[Reply]:
    """The workspace's replies of ``kind``, newest first. ``label`` is a label, ``UNLABELLED`` or None
    (any); ``search`` is part of the sender's address or of the subject, any case."""
    replies = Reply.objects.for_workspace(workspace).filter(kind=kind)
    if campaign is not None:
        replies = replies.filter(campaign=campaign)
    if mailbox is not None:
        replies = replies.filter(mailbox=mailbox)
    if label == UNLABELLED:
        replies = replies.filter(label="")
    elif label:
        replies = replies.filter(label=label)
    if search:
        replies = replies.filter(Q(from_email__icontains=search) | Q(subject__icontains=search))
    return replies.order_by(*INBOX_ORDER)


def inbox_page(
    replies: TenantQuerySet[Reply],
    *,
    workspace: Workspace,
    after: int | None = None,
    before: int | None = None,
    size: int = 50,
) -> KeysetPage:
    """The dashboard's page of ``replies`` (newest first): those after the reply ``after``, or before the
    reply ``before``, or the first ones. Positions are reply ids, compared by (received_at, id); an id
    the workspace does not have (deleted since, or made up) means the first page."""
    anchor_id = before if before is not None else after
    anchor = (
        Reply.objects.for_workspace(workspace).filter(pk=anchor_id).values("received_at", "pk").first()
        if anchor_id is not None
        else None
    )
    if anchor is not None and before is not None:
        newer = Q(received_at__gt=anchor["received_at"]) | Q(
            received_at=anchor["received_at"], pk__gt=anchor["pk"]
        )
        found = list(replies.filter(newer).order_by("received_at", "id")[: size + 1])
        items = found[:size][::-1]
        return KeysetPage(
            items,
            next_after=items[-1].pk if items else None,
            previous_before=items[0].pk if len(found) > size else None,
        )
    if anchor is not None:
        replies = replies.filter(
            Q(received_at__lt=anchor["received_at"])
            | Q(received_at=anchor["received_at"], pk__lt=anchor["pk"])
        )
    found = list(replies[: size + 1])
    items = found[:size]
    return KeysetPage(
        items,
        next_after=items[-1].pk if len(found) > size else None,
        previous_before=items[0].pk if anchor is not None and items else None,
    )
