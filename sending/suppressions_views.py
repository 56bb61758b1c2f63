"""The Suppression list page of the dashboard (rule 20): the list with a search and a kind filter, adding
an email or a domain, uploading a CSV of them, and removing an entry after a confirmation."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_required
from campaigns.forms import ListForm
from core.errors import DomainError
from core.pages import keyset_page, page_links
from leads import selectors
from leads import services as lead_services
from leads.models import Suppression
from sending import suppression_services
from sending.suppressions_forms import SuppressionAddForm, SuppressionFilterForm, SuppressionUploadForm

PAGE_SIZE = 50
INVALID_SHOWN = 5


def _page(request, *, add_form=None, upload_form=None, status=200):
    filters = SuppressionFilterForm(request.GET)
    filters.is_valid()
    position = ListForm(request.GET)
    position.is_valid()
    search, kind = filters.cleaned_data.get("q", ""), filters.cleaned_data.get("kind", "")
    entries = selectors.suppressions_for_workspace(workspace=request.workspace, search=search, kind=kind)
    page = keyset_page(
        entries,
        key="id",
        after=position.cleaned_data.get("after"),
        before=position.cleaned_data.get("before"),
        size=PAGE_SIZE,
    )
    context = {
        "entries": page.items,
        "search": search,
        "kind": kind,
        "filters": filters,
        "add_form": add_form or SuppressionAddForm(),
        "upload_form": upload_form or SuppressionUploadForm(),
        **page_links(request, page),
    }
    return render(request, "sending/suppression_list.html", context, status=status)


@workspace_required
def suppression_list(request):
    if request.method != "POST":
        return _page(request)
    form = SuppressionAddForm(request.POST)
    if form.is_valid():
        result = lead_services.suppression_add(
            workspace=request.workspace, values=[form.cleaned_data["value"]]
        )
        if not result.invalid:
            _added_message(request, result)
            return redirect("suppressions")
        form.add_error("value", str(result.invalid[0]["reason"]))
    return _page(request, add_form=form, status=400)


def _added_message(request, result):
    if not result.added:
        messages.info(request, f"{result.already[0].value} was on the list already.")
        return
    entry = result.added[0]
    if entry.kind == Suppression.Kind.DOMAIN:
        messages.success(
            request, f"{entry.value} is suppressed: no address at this domain will be contacted."
        )
    else:
        messages.success(request, f"{entry.value} is suppressed: it will not be contacted.")


def _entries(count):
    return f"{count:,} {'entry' if count == 1 else 'entries'}"


def _upload_message(result, rows):
    parts = [f"Added {_entries(len(result.added))}."]
    if result.already:
        parts.append(
            f"{len(result.already):,} {'was' if len(result.already) == 1 else 'were'} on the list already."
        )
    if result.invalid:
        shown = "; ".join(
            f"row {rows[item['index']]}: {item['reason'].rstrip('.')}"
            for item in result.invalid[:INVALID_SHOWN]
        )
        more = (
            f" and {len(result.invalid) - INVALID_SHOWN:,} more"
            if len(result.invalid) > INVALID_SHOWN
            else ""
        )
        parts.append(f"{len(result.invalid):,} not valid, not added: {shown}{more}.")
    return " ".join(parts)


@require_POST
@workspace_required
def suppression_upload(request):
    form = SuppressionUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result, rows = suppression_services.suppressions_upload(
                workspace=request.workspace, data=form.cleaned_data["file"].read()
            )
        except DomainError as exc:
            form.add_error("file", f"{exc.message} Nothing was added.")
        else:
            level = messages.WARNING if result.invalid else messages.SUCCESS
            messages.add_message(request, level, _upload_message(result, rows))
            return redirect("suppressions")
    return _page(request, upload_form=form, status=400)


@workspace_required
def suppression_delete(request, suppression_id):
    entry = Suppression.objects.get_for_workspace_or_404(request.workspace, suppression_id)
    if request.method == "POST":
        lead_services.suppression_remove(workspace=request.workspace, suppression=entry)
        messages.success(request, f"{entry.value} is off the suppression list: it may be contacted again.")
        return redirect("suppressions")
    return render(request, "sending/suppression_delete.html", {"entry": entry})
