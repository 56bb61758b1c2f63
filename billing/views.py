from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.decorators import role_required, workspace_required
from accounts.models import Role
from billing import services
from billing.dashboard import credit_chart, plan_change_preview
from billing.forms import LedgerPageForm, MemberCreditCapForm
from billing.models import Plan
from billing.selectors import (
    addons_for_workspace,
    credit_packs,
    finished_leads_kept,
    ledger_for_workspace,
    member_credits_for_workspace,
    plans,
    release_finished_leads_of,
    subscription_for_workspace,
    usage_for_workspace,
)
from core.errors import DomainError
from core.pages import keyset_page, page_links, plural

LEDGER_ROWS = 50


@workspace_required
def settings_uploaded_contacts(request):
    context = {
        "release_finished_leads": release_finished_leads_of(workspace=request.workspace),
        "finished_leads_kept": finished_leads_kept(workspace=request.workspace),
        "can_manage_billing": request.membership.can_manage_billing,
    }
    return render(request, "billing/settings_uploaded_contacts.html", context)


@role_required(Role.OWNER)
@require_POST
def set_release_finished_leads(request):
    """The toggle of Settings → Uploaded Contacts: ``release_finished_leads`` = "on" or "off"."""
    value = request.POST.get("release_finished_leads")
    if value not in ("on", "off"):
        messages.error(request, "Choose on or off.")
        return redirect("settings_uploaded_contacts")
    quota = services.release_finished_leads_set(workspace=request.workspace, value=value == "on")
    used = f"{quota.active_leads_used:,} of {quota.active_leads_limit:,} active leads are used now"
    if quota.release_finished_leads:
        messages.success(request, f"Finished leads free their slots: {used}.")
    else:
        messages.success(request, f"Finished leads keep their slots: {used}.")
    return redirect("settings_uploaded_contacts")


@workspace_required
def settings_billing(request):
    form = LedgerPageForm(request.GET)
    form.is_valid()  # a malformed position means the first page
    # By id: the order the running balance was written in (rule 6).
    ledger = keyset_page(
        ledger_for_workspace(workspace=request.workspace),
        key="id",
        after=form.cleaned_data.get("after"),
        before=form.cleaned_data.get("before"),
        size=LEDGER_ROWS,
    )
    context = {
        "subscription": subscription_for_workspace(workspace=request.workspace),
        "plans": plans(),
        "credit_packs": credit_packs(),
        "addons": addons_for_workspace(workspace=request.workspace),
        "max_addon_quantity": services.MAX_ADDON_QUANTITY,
        "ledger": ledger.items,
        **page_links(request, ledger),
        "chart_points": credit_chart(workspace=request.workspace),
        "can_manage_billing": request.membership.can_manage_billing,
    }
    return render(request, "billing/settings_billing.html", context)


@role_required(Role.OWNER)
def change_plan(request, code):
    """GET: what the change would do and when; POST: do it."""
    plan = get_object_or_404(Plan, code=code)
    if request.method == "POST":
        try:
            subscription = services.subscription_change_plan(
                workspace=request.workspace, plan_code=plan.code, actor=request.user
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if subscription.scheduled_plan:
                messages.success(
                    request,
                    f"{subscription.scheduled_plan.name} starts on "
                    f"{subscription.current_period_end:%B %-d, %Y}, at the end of this period.",
                )
            else:
                messages.success(request, f"You are on the {subscription.plan.name} plan.")
        return redirect("settings_billing")
    usage = usage_for_workspace(workspace=request.workspace)
    preview = plan_change_preview(workspace=request.workspace, plan=plan, usage=usage)
    return render(request, "billing/change_plan.html", {"preview": preview})


@role_required(Role.OWNER)
@require_POST
def buy_credit_pack(request, code):
    try:
        grant = services.credit_pack_purchase(workspace=request.workspace, pack_code=code, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{grant.amount:,} lead credits added; they never expire.")
    return redirect("settings_billing")


@role_required(Role.OWNER)
@require_POST
def set_addon(request, code):
    try:
        quantity = int(request.POST.get("quantity", ""))
        services.subscription_addon_set(
            workspace=request.workspace, addon_code=code, quantity=quantity, actor=request.user
        )
    except ValueError:
        messages.error(request, "Choose how many units, 0 or more.")
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, "Add-ons updated; your active-leads limit is now the plan's plus the add-ons'."
        )
    return redirect("settings_billing")


def member_credit_caps_section(request):
    """The Members page's section of lead-credit caps (accounts.members_sections): each member's cap and
    what they spent this period; owners set and remove caps there."""
    subscription = subscription_for_workspace(workspace=request.workspace)
    return {
        "members": member_credits_for_workspace(workspace=request.workspace),
        "can_set": request.membership.can_manage_billing,
        "max_cap": services.MAX_MEMBER_CREDIT_CAP,
        "period_start": subscription.current_period_start,
        "period_end": subscription.current_period_end,
    }


@role_required(Role.OWNER)
@require_POST
def member_credit_cap_set(request, membership_id):
    form = MemberCreditCapForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, f"A credit cap is a whole number from 0 to {services.MAX_MEMBER_CREDIT_CAP:,}."
        )
        return redirect("settings_members")
    try:
        credit_cap = services.member_credit_cap_set(
            workspace=request.workspace,
            membership_id=membership_id,
            cap=form.chosen_cap(),
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if credit_cap is None:
            messages.success(request, "Cap removed: the member may spend any of the workspace's credits.")
        else:
            messages.success(
                request,
                f"{credit_cap.membership.user.email} may now spend {plural(credit_cap.cap, 'lead credit')} "
                "per billing period.",
            )
    return redirect("settings_members")
