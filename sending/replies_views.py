"""The dashboard's Replies inbox: one list across campaigns, with filters, and each reply's page with its
whole text and the label buttons."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_required
from core.pages import page_links
from sending.models import Mailbox, Reply, ReplyKind, ReplyLabel
from sending.replies_forms import ReplyFilterForm, ReplyLabelForm
from sending.replies_selectors import inbox_page, replies_for_workspace
from sending.replies_services import reply_label_set

PAGE_SIZE = 50

# The inbox's tabs, one per kind, in the words of the page.
TABS = [
    (ReplyKind.REPLY, "Replies"),
    (ReplyKind.AUTO_REPLY, "Auto-replies"),
    (ReplyKind.BOUNCE, "Bounces"),
    (ReplyKind.UNSUBSCRIBE, "Unsubscribes"),
]


@workspace_required
def reply_list(request):
    filters = ReplyFilterForm(request.GET, workspace=request.workspace)
    filters.is_valid()
    kind = filters.value("kind") or ReplyKind.REPLY
    campaign, mailbox = filters.value("campaign"), filters.value("mailbox")
    label, search = filters.value("label"), filters.value("q")
    replies = replies_for_workspace(
        workspace=request.workspace,
        kind=kind,
        campaign=campaign,
        mailbox=mailbox,
        label=label or None,
        search=search,
    )
    page = inbox_page(
        replies.select_related("lead", "campaign", "mailbox"),
        workspace=request.workspace,
        after=filters.value("after"),
        before=filters.value("before"),
        size=PAGE_SIZE,
    )
    # Each tab keeps the other filters and starts at its first page.
    kept = request.GET.copy()
    for name in ("kind", "after", "before"):
        kept.pop(name, None)
    tabs = []
    for value, words in TABS:
        kept["kind"] = value
        tabs.append((value, words, f"{request.path}?{kept.urlencode()}"))
    filtered = any((campaign, mailbox, label, search))
    context = {
        "replies": page.items,
        "kind": kind,
        "tabs": tabs,
        "filters": filters,
        "campaign": campaign,
        "mailbox": mailbox,
        "label": label,
        "search": search,
        "filtered": filtered,
        "kind_words": dict(TABS)[kind].lower(),
        "imap_connected": Mailbox.objects.for_workspace(request.workspace).exclude(imap_host="").exists(),
        **page_links(request, page),
    }
    return render(request, "sending/reply_list.html", context)


def _detail(request, reply, *, form=None, status=200):
    context = {
        "reply": reply,
        "labels": ReplyLabel.choices,
        "form": form,
        "back_url": f"{reverse('replies')}?kind={reply.kind}",
    }
    return render(request, "sending/reply_detail.html", context, status=status)


@workspace_required
def reply_detail(request, reply_id):
    return _detail(request, _reply(request, reply_id))


@require_POST
@workspace_required
def reply_label(request, reply_id):
    reply = _reply(request, reply_id)
    form = ReplyLabelForm(request.POST)
    if not form.is_valid():
        return _detail(request, reply, form=form, status=400)
    reply = reply_label_set(workspace=request.workspace, reply=reply, label=form.cleaned_data["label"])
    if reply.label:
        messages.success(request, f"Labelled {reply.get_label_display().lower()}.")
    else:
        messages.success(request, "The label is cleared.")
    return redirect("reply_detail", reply_id=reply.pk)


def _reply(request, reply_id):
    replies = Reply.objects.for_workspace(request.workspace).select_related(
        "lead", "campaign", "mailbox", "message"
    )
    return get_object_or_404(replies, pk=reply_id)
