"""Dashboard pages of imports: upload (from a campaign's page or the Imports page), check the column
mapping against sample values, confirm, watch the progress bar, read the summary, fetch the report."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.decorators import workspace_required
from billing import selectors as billing_selectors
from campaigns.importing import selectors, services
from campaigns.importing.forms import ImportMappingForm, ImportUploadForm
from campaigns.importing.report import error_report_response
from campaigns.importing.sniffing import FileRefused, count_rows, describe, sniff
from campaigns.models import Campaign
from core.errors import DomainError

RECENT_SKIPPED_ROWS = 10


def _job(request, job_id):
    return selectors.import_for_workspace(workspace=request.workspace, job_id=job_id, drafts=True)


def _upload(request, campaign, back):
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a CSV file to import.")
        return redirect(back)
    try:
        job = services.import_create(
            workspace=request.workspace,
            user=request.user,
            upload=form.cleaned_data["file"],
            campaign=campaign,
            draft=True,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return redirect("import_mapping", job_id=job.pk)


@workspace_required
def import_list(request):
    if request.method == "POST":
        return _upload(request, None, reverse("imports"))
    jobs = selectors.imports_for_workspace(workspace=request.workspace, drafts=True)[:100]
    return render(request, "campaigns/import_list.html", {"jobs": jobs, "upload_form": ImportUploadForm()})


@require_POST
@workspace_required
def campaign_import(request, campaign_id):
    campaign = Campaign.objects.get_for_workspace_or_404(request.workspace, campaign_id)
    back = reverse("campaign_detail", args=[campaign.pk]) + "#import"
    return _upload(request, campaign, back)


@workspace_required
def import_mapping(request, job_id):
    job = _job(request, job_id)
    if job.status != job.Status.DRAFT:
        return redirect("import_detail", job_id=job.pk)
    try:
        stored = job.file.open("rb")
    except FileNotFoundError:
        raise Http404("This upload was deleted: it was not confirmed within a day.") from None
    with stored:
        try:
            sniffed = sniff(stored)
        except FileRefused as exc:
            messages.error(request, exc.message)
            return redirect("imports")
        counted = count_rows(stored, encoding=job.encoding, delimiter=job.delimiter, size=job.file_size)
    form = ImportMappingForm(request.POST or None, job=job, samples=sniffed.samples)
    if request.method == "POST" and form.is_valid():
        try:
            services.import_confirm(
                workspace=request.workspace,
                job=job,
                mapping=form.mapping(),
                keep_other_columns=form.cleaned_data["keep_other_columns"],
                on_duplicate=form.cleaned_data["on_duplicate"],
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            return redirect("import_detail", job_id=job.pk)
    context = {
        "job": job,
        "form": form,
        "file_format": describe(job.encoding, job.delimiter),
        **_room(request, job, counted),
    }
    return render(request, "campaigns/import_mapping.html", context)


def _rows_text(counted):
    rows = f"{'about ' if not counted.exact else ''}{counted.rows:,}"
    return ngettext("%(rows)s row", "%(rows)s rows", counted.rows) % {"rows": rows}


def _room(request, job, counted):
    """What the mapping page says of the file's size and, for a campaign, of the slots free now."""
    rows = _rows_text(counted)
    room = {"rows_text": f"This file has {rows}.", "slots_text": "", "over_text": ""}
    if job.campaign_id is None:
        return room
    free = billing_selectors.usage_for_workspace(workspace=request.workspace)["active_leads"]["available"]
    name = job.campaign.name
    contacts = ngettext("%(count)s more contact", "%(count)s more contacts", free) % {"count": f"{free:,}"}
    slots = ngettext("%(count)s active-lead slot is", "%(count)s active-lead slots are", free) % {
        "count": f"{free:,}"
    }
    room["slots_text"] = f"{name} can take {contacts}: {slots} free now."
    if counted.rows > free:
        room["over_text"] = (
            f"This file has {rows} and {name} can take {contacts}: the rest will be kept as contacts, "
            "not enrolled. You can add them later from Contacts."
        )
    return room


@workspace_required
def import_detail(request, job_id):
    job = _job(request, job_id)
    if job.status == job.Status.DRAFT:
        return redirect("import_mapping", job_id=job.pk)
    return render(request, "campaigns/import_detail.html", _progress_context(request, job))


@require_GET
@workspace_required
def import_progress(request, job_id):
    """The progress partial the detail page polls (htmx) until the job has finished."""
    job = _job(request, job_id)
    return render(request, "campaigns/_import_progress.html", _progress_context(request, job))


def _progress_context(request, job):
    skipped = (
        selectors.skipped_rows(workspace=request.workspace, job=job, limit=RECENT_SKIPPED_ROWS)
        if job.is_finished
        else []
    )
    return {
        "job": job,
        "kept_text": _kept_text(job) if job.is_finished and job.over_limit else "",
        "skipped": skipped,
        "skipped_limit": RECENT_SKIPPED_ROWS,
        "file_retention_days": settings.IMPORT_FILE_RETENTION_DAYS,
    }


def _kept_text(job):
    """The contacts the import kept without enrolling, in words (the summary's warning)."""
    return ngettext(
        "%(count)s contact was kept but not enrolled in %(campaign)s: no slot was left for it.",
        "%(count)s contacts were kept but not enrolled in %(campaign)s: no slot was left for them.",
        job.over_limit,
    ) % {"count": f"{job.over_limit:,}", "campaign": job.campaign_label}


@require_POST
@workspace_required
def import_cancel(request, job_id):
    job = _job(request, job_id)
    if job.status == job.Status.DRAFT:
        return _discard(request, job)
    try:
        job = services.import_cancel(workspace=request.workspace, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The import of {job.filename} is cancelled; rows already imported stay.")
    return redirect("import_detail", job_id=job.pk)


def _discard(request, job):
    try:
        services.import_discard(workspace=request.workspace, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("import_detail", job_id=job.pk)
    messages.success(request, f"The upload of {job.filename} is discarded.")
    if job.campaign_id:
        return redirect("campaign_detail", campaign_id=job.campaign_id)
    return redirect("imports")


@require_GET
@workspace_required
def import_errors(request, job_id):
    return error_report_response(request.workspace, _job(request, job_id))
