"""Dashboard pages of mailboxes: list and connect, edit, test, delete, and a campaign's mailboxes. Each view
parses a form, calls one service and redirects with a message (or renders the refusal)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from accounts.decorators import workspace_required
from accounts.forms import add_domain_error
from campaigns.models import Campaign
from core.errors import DomainError
from sending import selectors, services
from sending.forms import CampaignMailboxesForm, MailboxForm, MailboxStatusForm
from sending.models import Mailbox


def _mailbox(request, mailbox_id):
    return selectors.mailbox_for_workspace_or_404(workspace=request.workspace, mailbox_id=mailbox_id)


@sensitive_post_parameters("smtp_password", "imap_password")
@workspace_required
def mailbox_list(request):
    form = MailboxForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = services.mailbox_create(workspace=request.workspace, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{mailbox.email} is connected. Test it to check that it can log in.")
            return redirect("mailbox_edit", mailbox_id=mailbox.pk)
    context = {"form": form, "mailboxes": selectors.mailboxes_for_workspace(workspace=request.workspace)}
    return render(request, "sending/mailbox_list.html", context)


@sensitive_post_parameters("smtp_password", "imap_password")
@workspace_required
def mailbox_edit(request, mailbox_id):
    mailbox = _mailbox(request, mailbox_id)
    form = MailboxForm(request.POST or None, mailbox=mailbox)
    if request.method == "POST" and form.is_valid():
        try:
            services.mailbox_update(workspace=request.workspace, mailbox=mailbox, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{mailbox.email} is saved.")
            return redirect("mailbox_edit", mailbox_id=mailbox.pk)
    context = {"mailbox": mailbox, "form": form, "statuses": MailboxStatusForm.base_fields["status"].choices}
    return render(request, "sending/mailbox_edit.html", context)


@require_POST
@workspace_required
def mailbox_status(request, mailbox_id):
    mailbox = _mailbox(request, mailbox_id)
    form = MailboxStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose active or paused.")
        return redirect("mailbox_edit", mailbox_id=mailbox.pk)
    mailbox = services.mailbox_update(
        workspace=request.workspace, mailbox=mailbox, status=form.cleaned_data["status"]
    )
    messages.success(request, f"{mailbox.email} is {mailbox.get_status_display().lower()}.")
    return redirect("mailbox_edit", mailbox_id=mailbox.pk)


@require_POST
@workspace_required
def mailbox_test(request, mailbox_id):
    mailbox = _mailbox(request, mailbox_id)
    result = services.mailbox_test(workspace=request.workspace, mailbox=mailbox)
    worked = result["smtp"] == services.OK and result["imap"] in (services.OK, services.NOT_CONFIGURED)
    text = f"SMTP: {result['smtp']}. IMAP: {result['imap']}."
    (messages.success if worked else messages.error)(request, text)
    return redirect("mailbox_edit", mailbox_id=mailbox.pk)


@workspace_required
def mailbox_delete(request, mailbox_id):
    mailbox = _mailbox(request, mailbox_id)
    if request.method == "POST":
        services.mailbox_delete(workspace=request.workspace, mailbox=mailbox)
        messages.success(request, f"{mailbox.email} is deleted.")
        return redirect("mailboxes")
    campaigns = Campaign.objects.for_workspace(request.workspace).filter(
        pk__in=mailbox.campaign_links.values("campaign_id")
    )
    return render(request, "sending/mailbox_delete.html", {"mailbox": mailbox, "campaigns": campaigns})


@workspace_required
def campaign_mailboxes(request, campaign_id):
    campaign = Campaign.objects.get_for_workspace_or_404(request.workspace, campaign_id)
    mailboxes = list(selectors.mailboxes_for_workspace(workspace=request.workspace))
    form = CampaignMailboxesForm(request.POST or None, mailboxes=mailboxes)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_mailboxes_set(
                workspace=request.workspace, campaign=campaign, mailbox_ids=form.cleaned_data["mailboxes"]
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"{campaign.name} sends from the mailboxes ticked.")
            return redirect("campaign_mailboxes", campaign_id=campaign.pk)
    chosen = set(selectors.campaign_mailbox_ids(campaign))
    context = {
        "campaign": campaign,
        "form": form,
        "mailboxes": [(mailbox, mailbox.pk in chosen) for mailbox in mailboxes],
        "problem": selectors.campaign_start_problem(workspace=request.workspace, campaign=campaign),
        "active": Mailbox.Status.ACTIVE,
    }
    return render(request, "sending/mailbox_campaign.html", context)
