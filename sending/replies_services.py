"""Writes of the Replies inbox: a person's label on a reply. The poller (not here) creates replies."""

from django.db import transaction

from accounts.models import Workspace
from sending.models import Reply, ReplyLabel


class InvalidLabel(ValueError):
    def __init__(self, label: str):
        super().__init__(f'"{label}" is not a label: use one of {", ".join(ReplyLabel.values)}, or none.')


@transaction.atomic
def reply_label_set(*, workspace: Workspace, reply: Reply, label: str) -> Reply:
    """Labels ``reply`` (one of ``ReplyLabel``), or clears its label (``""``)."""
    if label and label not in ReplyLabel.values:
        raise InvalidLabel(label)
    Reply.objects.for_workspace(workspace).filter(pk=reply.pk).update(label=label)
    reply.label = label
    return reply
