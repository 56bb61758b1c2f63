from leads.models import Lead
from leads.normalization import clean_text


def leads_for_workspace(*, workspace, search=""):
    """The workspace's contacts, newest first; ``search`` matches email, name or company, any case."""
    leads = Lead.objects.for_workspace(workspace)
    term = clean_text(search).lower()
    if term:
        leads = leads.filter(search_text__contains=term)
    return leads.order_by("-id")
