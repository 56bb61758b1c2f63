from django.shortcuts import render

from accounts.decorators import workspace_required


@workspace_required
def campaign_list(request):
    return render(request, "campaigns/campaign_list.html")


@workspace_required
def import_list(request):
    return render(request, "campaigns/import_list.html")
