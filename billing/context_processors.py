from billing.dashboard import quota_warnings
from billing.selectors import usage_for_workspace


def usage(request):
    """Usage cards and quota banners for every page of a signed-in workspace."""
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        return {}
    current = usage_for_workspace(workspace=workspace)
    return {"usage": current, "quota_warnings": quota_warnings(current)}
