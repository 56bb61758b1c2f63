"""Import blocks for pages whose views are not the importer's: Home and a campaign's page."""

from django import template

from campaigns import reasons
from campaigns.importing import selectors

register = template.Library()
CAMPAIGN_IMPORTS_SHOWN = 5


@register.inclusion_tag("campaigns/_recent_imports.html", takes_context=True)
def recent_imports(context):
    """The signed-in user's imports into the current workspace that finished lately."""
    request = context["request"]
    imports = selectors.recent_finished_imports(workspace=request.workspace, user=request.user)
    return {"imports": imports}


@register.inclusion_tag("campaigns/_campaign_import.html", takes_context=True)
def campaign_import(context, campaign):
    """The "Import CSV" upload of a campaign's page and its latest imports."""
    request = context["request"]
    imports = selectors.imports_for_workspace(workspace=request.workspace).filter(campaign=campaign)
    return {
        "campaign": campaign,
        "imports": imports[:CAMPAIGN_IMPORTS_SHOWN],
        "csrf_token": context.get("csrf_token"),
    }


@register.filter
def reason_in_words(reason):
    """A skipped row's reason with its code in words (the error report keeps the code)."""
    return reasons.reason_in_words(reason)
