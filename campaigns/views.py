"""Dashboard pages of campaigns (the Contacts pages are campaigns.contacts'). Each view parses a form,
calls one service and redirects with a message (or renders the refusal); services decide the rules,
selectors do the reads.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_required
from accounts.forms import add_domain_error
from billing.errors import ActiveLeadsLimitReached
from campaigns import selectors, sequences, services
from campaigns.forms import (
    WEEKDAYS,
    CampaignForm,
    CampaignStatusForm,
    EnrollmentAddForm,
    EnrollmentRemoveForm,
    ListForm,
    PreviewForm,
    ScheduleForm,
    StepForm,
    StepMoveForm,
    list_query,
)
from campaigns.importing.selectors import imports_for_workspace
from campaigns.models import Campaign, ImportJob
from campaigns.reasons import reason_in_words
from campaigns.templating import LEAD_VARIABLES, MESSAGE_VARIABLES
from core.errors import DomainError
from core.pages import keyset_page, page_links, plural
from leads.models import Lead

PAGE_SIZE = 50
SEARCH_RESULTS = 20
# The contacts a preview may be shown for: the campaign's newest.
PREVIEW_LEADS = 50


def _campaign(request, campaign_id):
    return Campaign.objects.get_for_workspace_or_404(request.workspace, campaign_id)


@workspace_required
def campaign_list(request):
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(workspace=request.workspace, name=form.cleaned_data["name"])
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{campaign.name} is created, as a draft.")
            return redirect("campaign_detail", campaign_id=campaign.pk)
    _, after, before = list_query(request)
    campaigns = selectors.campaigns_for_workspace(workspace=request.workspace)
    page = keyset_page(campaigns, key="id", after=after, before=before, size=PAGE_SIZE)
    context = {
        "form": form,
        "campaigns": page.items,
        **page_links(request, page),
    }
    return render(request, "campaigns/campaign_list.html", context)


def _campaign_detail_context(request, campaign, *, add_form=None, over_limit=None):
    _, after, before = list_query(request)
    keys = selectors.lead_keys(workspace=request.workspace, campaign=campaign)
    page = keyset_page(
        keys.values_list("lead_id", flat=True), key="lead_id", after=after, before=before, size=PAGE_SIZE
    )
    find = ListForm({"q": request.GET.get("find", "")})
    find.is_valid()
    search = find.cleaned_data.get("q", "")
    found = (
        selectors.leads_not_in_campaign(workspace=request.workspace, campaign=campaign, search=search)[
            :SEARCH_RESULTS
        ]
        if search
        else []
    )
    leads = selectors.leads_with_campaign_ids(workspace=request.workspace, lead_ids=page.items)
    return {
        "campaign": campaign,
        "leads": leads,
        # Each contact with its place in this campaign's sequence (None if it left since the page was cut).
        "rows": [
            (lead, next((e for e in lead.enrollment_list if e.campaign_id == campaign.pk), None))
            for lead in leads
        ],
        "find": search,
        "found": found,
        "search_results_limit": SEARCH_RESULTS,
        "statuses": Campaign.Status.choices,
        "add_form": add_form or EnrollmentAddForm(),
        "over_limit": over_limit,
        **page_links(request, page, path=reverse("campaign_detail", args=[campaign.pk])),
    }


@workspace_required
def campaign_detail(request, campaign_id):
    campaign = _campaign(request, campaign_id)
    return render(request, "campaigns/campaign_detail.html", _campaign_detail_context(request, campaign))


@require_POST
@workspace_required
def campaign_rename(request, campaign_id):
    campaign = _campaign(request, campaign_id)
    form = CampaignForm(request.POST)
    if not form.is_valid():
        messages.error(request, "A campaign needs a name of at most 200 characters.")
        return redirect("campaign_detail", campaign_id=campaign.pk)
    try:
        campaign = services.campaign_rename(
            workspace=request.workspace, campaign=campaign, name=form.cleaned_data["name"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The campaign is now called {campaign.name}.")
    return redirect("campaign_detail", campaign_id=campaign.pk)


@require_POST
@workspace_required
def campaign_status(request, campaign_id):
    campaign = _campaign(request, campaign_id)
    form = CampaignStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the statuses.")
        return redirect("campaign_detail", campaign_id=campaign.pk)
    try:
        campaign, change = services.campaign_set_status(
            workspace=request.workspace, campaign=campaign, status=form.cleaned_data["status"]
        )
    except ActiveLeadsLimitReached as exc:
        details = exc.details
        messages.error(
            request,
            f"{campaign.name} stays archived: its contacts need "
            f"{plural(details['requested'], 'active-lead slot')} and {details['available']:,} of "
            f"{details['limit']:,} are free. "
            "Remove contacts from campaigns or upgrade your plan.",
        )
        return redirect("campaign_detail", campaign_id=campaign.pk)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("campaign_detail", campaign_id=campaign.pk)
    if change < 0:
        slots = f" {plural(-change, 'active-lead slot')} freed."
    elif change > 0:
        slots = f" {plural(change, 'active-lead slot')} in use again."
    else:
        slots = ""
    messages.success(request, f"{campaign.name} is {campaign.get_status_display().lower()}.{slots}")
    return redirect("campaign_detail", campaign_id=campaign.pk)


@workspace_required
def campaign_delete(request, campaign_id):
    campaign = _campaign(request, campaign_id)
    if request.method == "POST":
        freed = services.campaign_delete(workspace=request.workspace, campaign=campaign)
        messages.success(request, f"{campaign.name} is deleted. {plural(freed, 'active-lead slot')} freed.")
        return redirect("campaigns")
    freed = selectors.slots_freed_by_removing(workspace=request.workspace, campaign=campaign)
    imports = imports_for_workspace(workspace=request.workspace).filter(campaign=campaign)
    context = {
        "campaign": campaign,
        "freed": freed,
        "imports": imports.count(),
        "unfinished": imports.exclude(status__in=ImportJob.FINISHED).count(),
    }
    return render(request, "campaigns/campaign_delete.html", context)


def _added_message(result):
    parts = [f"Added {plural(result.added, 'contact')}."]
    if result.already_in_campaign:
        parts.append(f"{result.already_in_campaign:,} already in the campaign.")
    if result.not_added_over_limit:
        parts.append(
            f"{result.not_added_over_limit:,} did not fit under the active-leads limit "
            "(new ones are kept as contacts)."
        )
    if result.suppressed:
        parts.append(
            f"{result.suppressed:,} not added: on the suppression list "
            f"({'its address or domain is' if result.suppressed == 1 else 'their address or domain is'} "
            "not to be contacted)."
        )
    if result.invalid:
        shown = "; ".join(
            f"{item.get('email') or item.get('lead_id')}: {reason_in_words(item['reason']).rstrip('.')}"
            for item in result.invalid_items[:5]
        )
        more = f" and {result.invalid - 5:,} more" if result.invalid > 5 else ""
        parts.append(f"{result.invalid:,} not added: {shown}{more}.")
    return " ".join(parts)


@require_POST
@workspace_required
def campaign_leads_add(request, campaign_id):
    campaign = _campaign(request, campaign_id)
    form = EnrollmentAddForm(request.POST)
    if form.is_valid():
        try:
            result = services.enrollments_add(
                workspace=request.workspace,
                campaign=campaign,
                lead_ids=form.cleaned_data["lead_ids"],
                leads=[{"email": email} for email in form.cleaned_data["emails"]],
                allow_partial=form.cleaned_data["allow_partial"],
                source=Lead.Source.MANUAL,
            )
        except ActiveLeadsLimitReached as exc:
            over_limit = {
                **exc.details,
                "already_active": getattr(exc, "already_active", 0),
                "emails": " ".join(form.cleaned_data["emails"]),
            }
            context = _campaign_detail_context(request, campaign, add_form=form, over_limit=over_limit)
            return render(request, "campaigns/campaign_detail.html", context)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            # Some left out (over the limit or invalid) is a partial result: a warning, not a success.
            partial = result.not_added_over_limit or result.invalid or result.suppressed
            level = messages.SUCCESS if result.added and not partial else messages.WARNING
            messages.add_message(request, level, _added_message(result))
            return redirect("campaign_detail", campaign_id=campaign.pk)
    context = _campaign_detail_context(request, campaign, add_form=form)
    return render(request, "campaigns/campaign_detail.html", context)


@require_POST
@workspace_required
def campaign_leads_remove(request, campaign_id):
    campaign = _campaign(request, campaign_id)
    form = EnrollmentRemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("lead_ids", ["Tick the contacts to remove."])))
    else:
        removed = services.enrollments_remove(
            workspace=request.workspace, campaign=campaign, lead_ids=form.cleaned_data["lead_ids"]
        )
        messages.success(request, f"Removed {plural(removed, 'contact')} from {campaign.name}.")
    return redirect(reverse("campaign_detail", kwargs={"campaign_id": campaign.pk}) + "#leads")


@require_POST
@workspace_required
def campaign_lead_status(request, campaign_id, lead_id):
    """Pause or Resume on a row of the campaign's contacts: ``status`` = paused or active."""
    campaign = _campaign(request, campaign_id)
    try:
        enrollment = services.enrollment_set_status(
            workspace=request.workspace,
            campaign=campaign,
            lead_id=lead_id,
            status=request.POST.get("status", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        email = enrollment.lead.email
        if enrollment.status == enrollment.Status.PAUSED:
            messages.success(request, f"{email} is paused: nothing more is sent until you resume it.")
        else:
            messages.success(request, f"{email} is resumed: its next step goes at the next chance.")
    return redirect(reverse("campaign_detail", kwargs={"campaign_id": campaign.pk}) + "#leads")


def _sequence_context(request, campaign, *, form=None, editing=None):
    steps = list(selectors.steps_of(workspace=request.workspace, campaign=campaign))
    leads = selectors.newest_leads_of(workspace=request.workspace, campaign=campaign, limit=PREVIEW_LEADS)
    preview_form = PreviewForm(
        request.GET if "lead" in request.GET else None, leads=leads, positions=[s.position for s in steps]
    )
    preview = None
    if preview_form.is_bound and preview_form.is_valid():
        preview = sequences.preview(
            workspace=request.workspace,
            campaign=campaign,
            lead=leads.get(pk=preview_form.cleaned_data["lead"]),
            position=preview_form.cleaned_data["step"],
        )
    return {
        "campaign": campaign,
        "steps": steps,
        "form": form or StepForm(),
        "editing": editing,
        "preview_form": preview_form,
        "preview": preview,
        "lead_variables": LEAD_VARIABLES,
        "message_variables": MESSAGE_VARIABLES,
        "custom_fields": sorted(selectors.custom_field_names(workspace=request.workspace)),
    }


@workspace_required
def campaign_sequence(request, campaign_id):
    """The campaign's steps, a form that adds one, the variables they may use and a preview."""
    campaign = _campaign(request, campaign_id)
    form = StepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            step = services.step_create(workspace=request.workspace, campaign=campaign, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Step {step.position} is added.")
            return redirect("campaign_sequence", campaign_id=campaign.pk)
    return render(
        request, "campaigns/campaign_sequence.html", _sequence_context(request, campaign, form=form)
    )


@workspace_required
def campaign_step(request, campaign_id, step_id):
    """One step's form: it changes the step."""
    campaign = _campaign(request, campaign_id)
    step = selectors.step_of(workspace=request.workspace, campaign=campaign, step_id=step_id)
    initial = {"subject": step.subject, "body": step.body, "delay_days": step.delay_days}
    form = StepForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            step = services.step_update(
                workspace=request.workspace, campaign=campaign, step=step, **form.cleaned_data
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"Step {step.position} is saved.")
            return redirect("campaign_sequence", campaign_id=campaign.pk)
    context = _sequence_context(request, campaign, form=form, editing=step)
    return render(request, "campaigns/campaign_sequence.html", context)


@require_POST
@workspace_required
def campaign_step_move(request, campaign_id, step_id):
    campaign = _campaign(request, campaign_id)
    step = selectors.step_of(workspace=request.workspace, campaign=campaign, step_id=step_id)
    form = StepMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Move a step up or down.")
        return redirect("campaign_sequence", campaign_id=campaign.pk)
    position = step.position + (-1 if form.cleaned_data["direction"] == "up" else 1)
    try:
        step = services.step_update(
            workspace=request.workspace, campaign=campaign, step=step, position=position
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The step is now step {step.position}.")
    return redirect("campaign_sequence", campaign_id=campaign.pk)


@require_POST
@workspace_required
def campaign_step_delete(request, campaign_id, step_id):
    campaign = _campaign(request, campaign_id)
    step = selectors.step_of(workspace=request.workspace, campaign=campaign, step_id=step_id)
    try:
        services.step_delete(workspace=request.workspace, campaign=campaign, step=step)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Step {step.position} is deleted.")
    return redirect("campaign_sequence", campaign_id=campaign.pk)


@workspace_required
def campaign_schedule(request, campaign_id):
    """When the campaign may send, and whether a reply ends a lead's sequence."""
    campaign = _campaign(request, campaign_id)
    initial = {
        "timezone": campaign.schedule_timezone,
        "days": campaign.schedule_days,
        "start": campaign.schedule_start,
        "end": campaign.schedule_end,
        "stop_on_reply": campaign.stop_on_reply,
    }
    form = ScheduleForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        stop_on_reply = data.pop("stop_on_reply")
        try:
            services.campaign_update(
                workspace=request.workspace, campaign=campaign, schedule=data, stop_on_reply=stop_on_reply
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
            for name, errors in dict(exc.details.get("schedule", {})).items():
                form.add_error(name, errors)
        else:
            messages.success(request, f"{campaign.name}'s schedule is saved.")
            return redirect("campaign_detail", campaign_id=campaign.pk)
    return render(
        request,
        "campaigns/campaign_schedule.html",
        {"campaign": campaign, "form": form, "weekdays": WEEKDAYS},
    )
