"""The Contacts filters of a query string (the list's, a bulk action's, a background bulk action's kept
copy) as keyword arguments of ``campaigns.selectors.contacts_matching``."""

from urllib.parse import urlencode

from accounts.models import Workspace
from campaigns.forms import ContactFilterForm
from campaigns.importing import selectors as import_selectors
from campaigns.models import Campaign

FILTER_NAMES = ("q", "campaign", "import", "source", "suppressed")


def narrowing_of(workspace: Workspace, data) -> tuple[dict, str]:
    """The Contacts filters of ``data``: (the selectors' keyword arguments, the query string that repeats
    them). Another workspace's (or a deleted) campaign or import is an Http404, as its page is."""
    values = ContactFilterForm(data).values()
    campaign_value = values.get("campaign")
    job_id = values.get("import")
    narrowing = {
        "search": values.get("q", ""),
        "campaign": (
            Campaign.objects.get_for_workspace_or_404(workspace, campaign_value)
            if isinstance(campaign_value, int)
            else None
        ),
        "in_no_campaign": campaign_value == ContactFilterForm.NONE,
        "import_job": (
            import_selectors.import_for_workspace(workspace=workspace, job_id=job_id) if job_id else None
        ),
        "source": values.get("source", ""),
        "suppressed": values.get("suppressed"),
    }
    kept = [(name, data.get(name)) for name in FILTER_NAMES if name in values]
    return narrowing, urlencode(kept)
