from django.shortcuts import render

from accounts.decorators import workspace_required


@workspace_required
def prospect_search(request):
    return render(request, "leadfinder/prospect_search.html")
