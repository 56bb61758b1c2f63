"""The Contacts pages of the dashboard: the list (with a search), a contact's page (edit it, see its
campaigns) and its deletion, which frees the active-lead slot it used."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_required
from accounts.forms import add_domain_error
from campaigns import selectors, services
from campaigns.contacts.forms import LeadForm
from campaigns.forms import ContactFilterForm, list_query
from campaigns.importing import selectors as import_selectors
from core.errors import DomainError
from core.pages import keyset_page, page_links, plural
from leads import services as lead_services
from leads.models import Lead
from leads.normalization import LEAD_FIELDS

PAGE_SIZE = 50


@workspace_required
def contact_list(request):
    search, after, before = list_query(request)
    filters = ContactFilterForm(request.GET)
    filters.is_valid()
    job_id = filters.cleaned_data.get("import")
    # Another workspace's import is a 404, as its page is.
    job = (
        import_selectors.import_for_workspace(workspace=request.workspace, job_id=job_id) if job_id else None
    )
    in_no_campaign = filters.cleaned_data.get("campaign") == ContactFilterForm.NONE
    keys = selectors.lead_keys(
        workspace=request.workspace, search=search, import_job=job, in_no_campaign=in_no_campaign
    )
    page = keyset_page(
        keys.values_list("lead_id", flat=True), key="lead_id", after=after, before=before, size=PAGE_SIZE
    )
    leads = selectors.leads_with_campaign_ids(workspace=request.workspace, lead_ids=page.items)
    context = {
        "search": search,
        "leads": leads,
        "import_job": job,
        "in_no_campaign": in_no_campaign,
        **page_links(request, page),
    }
    return render(request, "leads/contact_list.html", context)


@workspace_required
def contact_detail(request, lead_id):
    lead = Lead.objects.get_for_workspace_or_404(request.workspace, lead_id)
    initial = {name: getattr(lead, name) for name in (*LEAD_FIELDS, "custom_fields")}
    form = LeadForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            lead_services.lead_update(workspace=request.workspace, lead=lead, data=form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{lead.email} is saved.")
            return redirect("contact_detail", lead_id=lead.pk)
    campaigns = selectors.campaigns_of_lead(workspace=request.workspace, lead=lead)
    uses_slot = selectors.lead_uses_slot(workspace=request.workspace, lead=lead)
    context = {"lead": lead, "form": form, "campaigns": campaigns, "uses_slot": uses_slot}
    return render(request, "leads/contact_detail.html", context)


@require_POST
@workspace_required
def contact_delete(request, lead_id):
    lead = Lead.objects.get_for_workspace_or_404(request.workspace, lead_id)
    freed = services.lead_delete(workspace=request.workspace, lead=lead)
    freed_text = f" {plural(freed, 'active-lead slot')} freed." if freed else ""
    messages.success(request, f"{lead.email} is deleted.{freed_text}")
    return redirect("contacts")
