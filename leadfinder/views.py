"""Dashboard pages of the Lead Finder: search, cost preview, taking prospects, and the downloads history.

Rows are rendered from ``ProspectSerializer``'s output, the same masking as the API: a page never holds
an unowned prospect's email, phone or LinkedIn.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import workspace_required
from billing.selectors import member_credit_room, usage_for_workspace
from campaigns.models import Campaign
from core.errors import DomainError
from core.pages import keyset_page, page_links, plural
from core.replicas import reads_from_replica
from leadfinder import selectors, services
from leadfinder.files import download_file_response
from leadfinder.forms import DownloadListForm, ProspectSearchForm, TakeForm
from leadfinder.models import ENUM_FIELDS, Download, Prospect
from leadfinder.serializers import ProspectSerializer

PAGE_SIZE = 50
LABELS = {name: dict(enum.choices) for name, enum in ENUM_FIELDS.items()}


def _rows(prospects):
    """The serializer's (masked) rows, with the labels of their enumerations for people to read."""
    rows = ProspectSerializer(prospects, many=True).data
    for row in rows:
        for name in ("seniority", "department", "industry"):
            row[f"{name}_label"] = LABELS[name].get(row[name], "")
    return rows


@require_GET
@workspace_required
def prospect_search(request):
    with reads_from_replica(workspace=request.workspace):
        if not Prospect.objects.exists():
            return render(request, "leadfinder/prospect_search.html", {"database_empty": True})
        form = ProspectSearchForm(request.GET)
        form.is_valid()
        filters = form.filters() if not form.errors else selectors.ProspectFilters()
        prospects = selectors.prospects_search(workspace=request.workspace, filters=filters)
        if form.errors:
            # A filter the form refused must not turn into no filter: nothing is shown (or offered to take)
            # until the search is corrected.
            prospects = prospects.none()
        with selectors.search_memory(prospects):
            count, count_is_exact = selectors.prospects_count(prospects)
            if not count_is_exact:
                prospects = selectors.prospects_search(
                    workspace=request.workspace, filters=filters, broad=True
                )
            page = keyset_page(
                prospects,
                after=form.cleaned_data.get("after"),
                before=form.cleaned_data.get("before"),
                size=PAGE_SIZE,
            )
        rows = _rows(selectors.mark_owned(workspace=request.workspace, prospects=page.items))
    take_form = TakeForm(workspace=request.workspace)
    context = {
        "form": form,
        "take_form": take_form,
        "rows": rows,
        "count": count,
        "count_is_exact": count_is_exact,
        "filter_params": form.filter_params() if not form.errors else [],
        **page_links(request, page),
    }
    return render(request, "leadfinder/prospect_search.html", context)


def _prospects_to_take(workspace, form):
    if form.cleaned_data["scope"] == TakeForm.SELECTED:
        return selectors.prospects_by_ids(form.cleaned_data["prospect_ids"])
    return selectors.prospects_first_of_search(
        workspace=workspace, filters=form.filters(), limit=form.cleaned_data["first_n"]
    )


def _campaign(workspace, form):
    campaign_id = form.cleaned_data["campaign"]
    return None if campaign_id is None else Campaign.objects.get_for_workspace_or_404(workspace, campaign_id)


def _render_preview(request, form, *, error=None, status=200):
    """The cost of taking what ``form`` names, as things stand (no lock: the download decides again)."""
    context = {"form": form, "error": error}
    if form.is_valid():
        context["search_query"] = urlencode(form.filter_params())
        workspace = request.workspace
        campaign = _campaign(workspace, form)
        usage = usage_for_workspace(workspace=workspace)
        # What this user may spend: the balance, or less if an owner capped them (rule 9 with the cap).
        spendable = balance = usage["lead_credits"]["balance"]
        room = member_credit_room(workspace=workspace, user=request.user)
        if room is not None and room.left < balance:
            spendable = room.left
            context["credit_room"] = room
        try:
            prospects = _prospects_to_take(workspace, form)
        except DomainError as exc:
            context["error"] = exc.message
        else:
            plan = selectors.download_plan(
                workspace=workspace,
                prospects=prospects,
                campaign=campaign,
                credits_balance=spendable,
                slots_available=usage["active_leads"]["available"] if campaign else None,
                allow_partial=True,
            )
            context["plan"] = plan
            if campaign is not None and not plan.taken and plan.not_added_over_limit:
                # No slot free in the campaign: they can still be saved to contacts, which needs none.
                context["contacts_plan"] = selectors.download_plan(
                    workspace=workspace,
                    prospects=prospects,
                    credits_balance=spendable,
                    slots_available=None,
                    allow_partial=True,
                )
        context.update(campaign=campaign, usage=usage, take_params=form.take_params())
    return render(request, "leadfinder/preview.html", context, status=status)


@require_GET
@workspace_required
def download_preview(request):
    form = TakeForm(request.GET, workspace=request.workspace)
    # htmx swaps only 2xx answers: the "Preview cost" button gets its explanation with a 200.
    refused = 200 if request.headers.get("HX-Request") else 400
    return _render_preview(request, form, status=200 if form.is_valid() else refused)


def _taken_message(download, campaign):
    parts = [
        f"Took {plural(download.taken, 'prospect')}: {download.charged:,} new for "
        f"{plural(download.charged, 'credit')}, {download.already_owned:,} already owned (free)."
    ]
    if download.skipped_no_email:
        parts.append(
            f"{download.skipped_no_email:,} without an email (or with one known to bounce) "
            f"{_was(download.skipped_no_email)} skipped (not charged)."
        )
    if download.skipped_suppressed:
        parts.append(
            f"{download.skipped_suppressed:,} on your suppression list {_was(download.skipped_suppressed)} "
            "skipped (not charged)."
        )
    if campaign is not None:
        parts.append(f"{download.added_to_campaign:,} added to {campaign.name}.")
        if download.already_in_campaign:
            already = download.already_in_campaign
            parts.append(f"{already:,} {_was(already)} in it already.")
    if download.not_added_over_limit:
        parts.append(
            f"{download.not_added_over_limit:,} did not fit and {_was(download.not_added_over_limit)} "
            "not taken or charged."
        )
    return " ".join(parts)


def _was(count):
    return "was" if count == 1 else "were"


@require_POST
@workspace_required
def download_take(request):
    form = TakeForm(request.POST, workspace=request.workspace)
    if not form.is_valid():
        return _render_preview(request, form, status=400)
    action = form.cleaned_data["action"] or TakeForm.CSV
    campaign = _campaign(request.workspace, form) if action == TakeForm.CAMPAIGN else None
    selected = form.cleaned_data["scope"] == TakeForm.SELECTED
    try:
        download = services.download_create(
            workspace=request.workspace,
            prospect_ids=form.cleaned_data["prospect_ids"] if selected else None,
            filters=None if selected else form.filters(),
            limit=None if selected else form.cleaned_data["first_n"],
            campaign=campaign,
            allow_partial=form.cleaned_data["allow_partial"],
            max_charge=form.cleaned_data["max_charge"],
            actor=request.user,
        )
    except DomainError as exc:
        return _render_preview(request, form, error=exc.message, status=exc.status_code)
    if action == TakeForm.CSV:
        # Charged and downloaded in one click; the downloads list keeps the file to fetch again.
        return download_file_response(download)
    # Prospects left out (no usable email, suppressed, over the active-leads limit): a partial result.
    partial = download.skipped_no_email or download.skipped_suppressed or download.not_added_over_limit
    level = messages.WARNING if partial else messages.SUCCESS
    messages.add_message(request, level, _taken_message(download, campaign))
    if action == TakeForm.CONTACTS:
        return redirect("contacts")
    return redirect("campaign_detail", campaign_id=campaign.pk)


@require_GET
@workspace_required
def download_list(request):
    form = DownloadListForm(request.GET)
    form.is_valid()  # a value that is not an id is left out; the others still count
    keys = form.cleaned_data
    with reads_from_replica(workspace=request.workspace):
        page = keyset_page(
            selectors.downloads_for_workspace(workspace=request.workspace),
            after=keys.get("after"),
            before=keys.get("before"),
            size=PAGE_SIZE,
        )
    context = {"page": page, "new_id": keys.get("new"), **page_links(request, page)}
    return render(request, "leadfinder/download_list.html", context)


@require_GET
@workspace_required
def download_file(request, download_id):
    download = Download.objects.get_for_workspace_or_404(request.workspace, download_id)
    return download_file_response(download)
