"""The dashboard's Sent page: a campaign's sent log."""

from django.shortcuts import render

from accounts.decorators import workspace_required
from campaigns.forms import list_query
from campaigns.models import Campaign
from core.pages import keyset_page, page_links
from sending.models import Message
from sending.sent_log import STATUS_IN_WORDS, messages_for_campaign

PAGE_SIZE = 50


@workspace_required
def campaign_sent(request, campaign_id):
    campaign = Campaign.objects.get_for_workspace_or_404(request.workspace, campaign_id)
    status = request.GET.get("status", "")
    status = status if status in Message.Status.values else ""
    messages = messages_for_campaign(workspace=request.workspace, campaign=campaign, status=status or None)
    _, after, before = list_query(request)
    page = keyset_page(messages, key="id", after=after, before=before, size=PAGE_SIZE)
    for message in page.items:
        message.status_in_words = STATUS_IN_WORDS[message.status]
    context = {
        "campaign": campaign,
        "messages": page.items,
        "status": status,
        "statuses": Message.Status.choices,
        "statuses_explained": [(label, STATUS_IN_WORDS[value]) for value, label in Message.Status.choices],
        **page_links(request, page),
    }
    return render(request, "sending/campaign_sent.html", context)
