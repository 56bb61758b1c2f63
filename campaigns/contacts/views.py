"""The Contacts pages of the dashboard: the list (a count, a search, filters, selection across pages and
bulk actions with a preview), a contact's page (edit it, see its campaigns) and its deletion, which
frees the active-lead slot it used."""

from urllib.parse import parse_qsl, urlencode

from django.contrib import messages
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import workspace_required
from accounts.forms import add_domain_error
from campaigns import selectors, services
from campaigns.contacts import background, bulk
from campaigns.contacts.filtering import FILTER_NAMES, narrowing_of
from campaigns.contacts.forms import BulkForm, LeadForm
from campaigns.forms import ContactFilterForm, list_query
from campaigns.models import BulkAction, Campaign
from core.errors import DomainError
from core.pages import counted, keyset_page, page_links, plural
from leads import services as lead_services
from leads.models import Lead
from leads.normalization import LEAD_FIELDS

PAGE_SIZE = 50


def _filter_words(narrowing):
    """The filters in words, for the line above the list ("" when none but the search)."""
    parts = []
    job = narrowing["import_job"]
    if job:
        parts.append(
            f"the contacts the import of {job.filename} kept without enrolling them (no active-lead slot "
            "was left)"
        )
    if narrowing["in_no_campaign"]:
        parts.append(f"{'now ' if job else ''}in no campaign")
    if narrowing["campaign"]:
        parts.append(f"in {narrowing['campaign'].name}")
    if narrowing["source"]:
        parts.append(f"added by {Lead.Source(narrowing['source']).label}")
    if narrowing["suppressed"] is not None:
        parts.append(f"{'' if narrowing['suppressed'] else 'not '}on the suppression list")
    return ", ".join(parts)


@workspace_required
def contact_list(request):
    _, after, before = list_query(request)
    narrowing, query = narrowing_of(request.workspace, request.GET)
    keys = selectors.lead_keys(workspace=request.workspace, **narrowing)
    page = keyset_page(
        keys.values_list("lead_id", flat=True), key="lead_id", after=after, before=before, size=PAGE_SIZE
    )
    leads = selectors.leads_with_campaign_ids(workspace=request.workspace, lead_ids=page.items)
    total = keys.order_by().count()
    filter_form = ContactFilterForm(request.GET)
    filter_form.is_valid()
    campaign_value = request.GET.get("campaign", "") if "campaign" in filter_form.cleaned_data else ""
    context = {
        "search": narrowing["search"],
        "leads": leads,
        "total": total,
        "total_text": counted("%(count)s contact", "%(count)s contacts", total),
        "import_job": narrowing["import_job"],
        "in_no_campaign": narrowing["in_no_campaign"],
        "filter_words": _filter_words(narrowing),
        "filter_query": query,
        "filter_pairs": parse_qsl(query),
        "filter_form": filter_form,
        "campaign_value": campaign_value.strip(),
        "campaigns": selectors.campaigns_for_workspace(workspace=request.workspace),
        "sources": Lead.Source.choices,
        **page_links(request, page),
    }
    return render(request, "leads/contact_list.html", context)


def _selection(request, form, narrowing):
    if form.cleaned_data.get("scope") == BulkForm.MATCHING:
        return selectors.contacts_matching(workspace=request.workspace, **narrowing)
    ids = form.cleaned_data["lead_ids"]
    return Lead.objects.for_workspace(request.workspace).filter(pk__in=ids).order_by("-id")


def _add_preview(request, selection, campaign):
    counts = selectors.selection_add_counts(
        workspace=request.workspace, selection=selection, campaign=campaign
    )
    free = bulk.free_slots(request.workspace)
    fitting = min(counts["needing_slot"], free)
    fit = fitting + counts["active_elsewhere"]
    details = []
    if counts["in_campaign"]:
        details.append(
            counted("%(count)s is in ", "%(count)s are in ", counts["in_campaign"])
            + f"{campaign.name} already."
        )
    if counts["suppressed"]:
        details.append(
            counted(
                "%(count)s is on the suppression list and will be skipped.",
                "%(count)s are on the suppression list and will be skipped.",
                counts["suppressed"],
            )
        )
    if counts["active_elsewhere"]:
        details.append(
            counted(
                "%(count)s is in another campaign already and needs no slot.",
                "%(count)s are in another campaign already and need no slot.",
                counts["active_elsewhere"],
            )
        )
    if counts["needing_slot"] > free:
        details.append(
            counted(
                "%(count)s does not fit and stays in Contacts, not enrolled.",
                "%(count)s do not fit and stay in Contacts, not enrolled.",
                counts["needing_slot"] - free,
            )
        )
    partial = fit < counts["needing_slot"] + counts["active_elsewhere"]
    if partial:
        button = counted("Add the %(count)s that fits", "Add the %(count)s that fit", fit)
    else:
        button = counted("Add %(count)s contact", "Add %(count)s contacts", fit) + f" to {campaign.name}"
    headline = (
        counted("%(count)s selected", "%(count)s selected", counts["selected"])
        + ", "
        + counted("%(count)s active-lead slot free", "%(count)s active-lead slots free", free)
        + "."
    )
    return {"headline": headline, "details": details, "button": button if fit else "", "warning": partial}


def _remove_preview(request, selection, campaign):
    selected = selection.count()
    inside, freed = selectors.selection_in_campaigns(
        workspace=request.workspace, selection=selection, campaign=campaign
    )
    where = campaign.name if campaign else "a campaign"
    headline = (
        counted("%(count)s selected", "%(count)s selected", selected)
        + "; "
        + counted("%(count)s of them is in ", "%(count)s of them are in ", inside)
        + f"{where}."
    )
    details = [
        "Removing them frees " + counted("%(count)s active-lead slot.", "%(count)s active-lead slots.", freed)
    ]
    button = counted("Remove %(count)s contact", "Remove %(count)s contacts", inside) + (
        f" from {campaign.name}" if campaign else " from every campaign"
    )
    return {"headline": headline, "details": details, "button": button if inside else "", "warning": False}


def _delete_preview(request, selection):
    selected = selection.count()
    freed = selectors.slots_freed_by_deleting(workspace=request.workspace, selection=selection)
    headline = counted("%(count)s selected.", "%(count)s selected.", selected)
    details = [
        "Deleting them frees "
        + counted("%(count)s active-lead slot.", "%(count)s active-lead slots.", freed),
        "Their campaign history and sent messages are deleted with them. This cannot be undone.",
    ]
    button = counted("Delete %(count)s contact", "Delete %(count)s contacts", selected)
    return {"headline": headline, "details": details, "button": button if selected else "", "warning": True}


def _perform(request, action, selection, campaign):
    """Does the action now (recounting under the quota lock, chunk by chunk) and says what it did."""
    text, warning = bulk.perform(
        workspace=request.workspace, action=action, selection=selection, campaign=campaign
    )
    messages.add_message(request, messages.WARNING if warning else messages.SUCCESS, text)


def _carried(data, form):
    """The fields the confirm form sends again: the filters, the action, its campaign and the selection."""
    carried = [(name, data.get(name)) for name in FILTER_NAMES if data.get(name)]
    carried.append(("action", form.cleaned_data["action"]))
    if form.cleaned_data.get("target"):
        carried.append(("target", form.cleaned_data["target"]))
    if form.cleaned_data.get("scope"):
        carried.append(("scope", form.cleaned_data["scope"]))
    else:
        carried += [("lead_ids", lead_id) for lead_id in form.cleaned_data["lead_ids"]]
    return carried


@require_http_methods(["GET", "POST"])
@workspace_required
def contact_bulk(request):
    """GET: what the bulk action would do (export: the CSV itself); POST: does it, then back to the list."""
    data = request.POST if request.method == "POST" else request.GET
    narrowing, query = narrowing_of(request.workspace, data)
    back = reverse("contacts") + (f"?{query}" if query else "")
    form = BulkForm(data)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        messages.error(request, errors[0])
        return redirect(back)
    action = form.cleaned_data["action"]
    target = form.cleaned_data.get("target")
    campaign = Campaign.objects.get_for_workspace_or_404(request.workspace, target) if target else None
    selection = _selection(request, form, narrowing)
    if action == BulkForm.EXPORT:
        response = StreamingHttpResponse(
            bulk.export_lines(workspace=request.workspace, selection=selection),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
        return response
    if action == BulkForm.REMOVE_ALL:
        campaign = None
    if request.method == "POST":
        if form.cleaned_data.get("scope") == BulkForm.MATCHING:
            selected = selection.count()
            if background.runs_in_background(selected):
                started = background.bulk_action_start(
                    workspace=request.workspace,
                    actor=request.user,
                    action=action,
                    campaign=campaign,
                    filters=dict(parse_qsl(query)),
                    selected=selected,
                )
                return redirect("contact_bulk_status", bulk_action_id=started.pk)
        try:
            _perform(request, action, selection, campaign)
        except DomainError as exc:
            messages.error(request, exc.message)
        return redirect(back)
    if action == BulkForm.ADD:
        if campaign.is_archived:
            messages.error(
                request, f"{campaign.name} is archived: give it another status before adding contacts."
            )
            return redirect(back)
        preview = _add_preview(request, selection, campaign)
    elif action == BulkForm.DELETE:
        preview = _delete_preview(request, selection)
    else:
        preview = _remove_preview(request, selection, campaign)
    context = {
        **preview,
        "action": action,
        "action_label": dict(BulkForm.base_fields["action"].choices)[action],
        "campaign": campaign,
        "carried": _carried(data, form),
        "back": back,
    }
    return render(request, "leads/contact_bulk.html", context)


@require_GET
@workspace_required
def contact_bulk_status(request, bulk_action_id):
    """A bulk action running in the background: how far it got (the page polls it until it has ended),
    then what it did."""
    bulk_action = BulkAction.objects.get_for_workspace_or_404(request.workspace, bulk_action_id)
    query = urlencode(bulk_action.filters)
    context = {
        "bulk_action": bulk_action,
        "finished": bulk_action.status in BulkAction.FINISHED,
        "percent": min(100, round(100 * bulk_action.processed / bulk_action.selected))
        if bulk_action.selected
        else 100,
        "selected_text": counted("%(count)s contact", "%(count)s contacts", bulk_action.selected),
        "back": reverse("contacts") + (f"?{query}" if query else ""),
    }
    if request.headers.get("HX-Request"):  # the progress the page polls until the action has ended
        return render(request, "leads/_bulk_progress.html", context)
    return render(request, "leads/contact_bulk_status.html", context)


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
