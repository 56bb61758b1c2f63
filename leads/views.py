from django.shortcuts import render

from accounts.decorators import workspace_required


@workspace_required
def contact_list(request):
    return render(request, "leads/contact_list.html")
