"""Every dashboard page, with realistic data, at a desktop and a phone width, signed out, as an owner and as
a member: no page is wider than the window (wide tables scroll in their own box), and axe-core finds nothing
serious or critical. A page a role may not open must refuse it (403), not show it.

A new page is one line of PAGES. The data is made once for the module (committed, seen by a live server of
the module's own) and the database is emptied after it, as a transactional test leaves it.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from types import SimpleNamespace

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.contrib.auth.tokens import default_token_generator
from django.core.management import call_command
from django.db import connections
from django.test import override_settings
from django.urls import include, path
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect
from pytest_django.live_server_helper import LiveServer

from accounts import services as account_services
from accounts.models import Membership, Role
from billing import services as billing_services
from billing.models import CreditGrant
from campaigns.importing import services as import_services
from campaigns.models import BulkAction, Campaign
from core.events import event_emit
from leadfinder import services as leadfinder_services
from leads import services as lead_services
from leads.models import Suppression
from sending.models import Mailbox, Message
from sending.unsubscribing import make_token
from tests.billing.factories import debit_credits
from tests.campaigns.import_helpers import mixed_file, run_import, start_import
from tests.conftest import TEST_SECRET_ENCRYPTION_KEY
from tests.factories import (
    DEFAULT_PASSWORD,
    CampaignFactory,
    LeadFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
    add_step,
    enroll,
    give_a_mailbox,
    make_prospects,
)
from tests.sending.factories import ReplyFactory
from webhooks import services as webhook_services
from webhooks.models import Delivery

# The tests only read through the live server; ``django_db`` has the test database made for them.
pytestmark = [pytest.mark.browser, pytest.mark.django_db]

ANONYMOUS, OWNER, MEMBER = "anonymous", "owner", "member"
SIGNED_IN = (OWNER, MEMBER)
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
LONG_EMAIL = "alexandria.montgomery-worthington@an-extraordinarily-long-company-domain-name.example.com"
LONG_NAME = "Quarterly re-engagement of enterprise accounts in the DACH region and the Nordics"


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[SimpleNamespace], str]  # the swept data -> the page's path
    roles: tuple = SIGNED_IN  # who sees it
    refused: tuple = ()  # who must get a 403
    status: int = 200


PAGES = [
    Page("login", lambda d: "/login/", roles=(ANONYMOUS,)),
    Page("signup", lambda d: "/signup/", roles=(ANONYMOUS,)),
    Page("password reset", lambda d: "/password-reset/", roles=(ANONYMOUS,)),
    Page("password reset sent", lambda d: "/password-reset/sent/", roles=(ANONYMOUS,)),
    Page("password reset new password", lambda d: d.reset_url, roles=(ANONYMOUS,)),
    Page("password reset done", lambda d: "/password-reset/done/", roles=(ANONYMOUS,)),
    Page("invitation", lambda d: d.invitation_url, roles=(ANONYMOUS,)),
    Page("not found, signed out", lambda d: "/no-such-page/", roles=(ANONYMOUS,), status=404),
    Page("home", lambda d: "/"),
    Page("contacts", lambda d: "/contacts/"),
    Page("contacts searched", lambda d: "/contacts/?q=example"),
    Page("contacts filtered", lambda d: "/contacts/?campaign=none&source=import&suppressed=no"),
    Page(
        "contacts: add preview", lambda d: f"/contacts/bulk/?action=add&scope=matching&target={d.campaign.pk}"
    ),
    Page("contacts: remove preview", lambda d: "/contacts/bulk/?action=remove_all&scope=matching"),
    Page("contacts: delete preview", lambda d: "/contacts/bulk/?action=delete&scope=matching&source=import"),
    Page("contacts: bulk action running", lambda d: f"/contacts/bulk/{d.running_bulk_action.pk}/"),
    Page("contacts: bulk action failed", lambda d: f"/contacts/bulk/{d.failed_bulk_action.pk}/"),
    Page("contact", lambda d: f"/contacts/{d.long_lead.pk}/"),
    Page("campaigns", lambda d: "/campaigns/"),
    Page("campaign", lambda d: f"/campaigns/{d.campaign.pk}/"),
    Page("campaign, empty", lambda d: f"/campaigns/{d.empty_campaign.pk}/"),
    Page("campaign delete", lambda d: f"/campaigns/{d.campaign.pk}/delete/"),
    Page("imports", lambda d: "/imports/"),
    Page("import mapping", lambda d: f"/imports/{d.draft_import.pk}/mapping/"),
    Page("import summary", lambda d: f"/imports/{d.finished_import.pk}/"),
    Page("lead finder", lambda d: "/lead-finder/"),
    Page("lead finder preview", lambda d: d.preview_url),
    Page("lead finder downloads", lambda d: "/lead-finder/downloads/"),
    Page("settings: workspace", lambda d: "/settings/"),
    Page("settings: members", lambda d: "/settings/members/", roles=(OWNER,), refused=(MEMBER,)),
    Page("settings: API keys", lambda d: "/settings/api-keys/", roles=(OWNER,), refused=(MEMBER,)),
    Page("settings: webhooks", lambda d: "/settings/webhooks/", roles=(OWNER,), refused=(MEMBER,)),
    Page(
        "settings: webhook",
        lambda d: f"/settings/webhooks/{d.webhook.pk}/",
        roles=(OWNER,),
        refused=(MEMBER,),
    ),
    Page("settings: password", lambda d: "/settings/password/"),
    Page("settings: uploaded contacts", lambda d: "/settings/uploaded-contacts/"),
    Page("settings: billing", lambda d: "/settings/billing/"),
    Page(
        "settings: change plan",
        lambda d: "/settings/billing/plan/hypergrowth/",
        roles=(OWNER,),
        refused=(MEMBER,),
    ),
    Page("campaign sequence", lambda d: f"/campaigns/{d.campaign.pk}/sequence/"),
    Page("campaign step", lambda d: f"/campaigns/{d.campaign.pk}/sequence/{d.step.pk}/"),
    Page("campaign schedule", lambda d: f"/campaigns/{d.campaign.pk}/schedule/"),
    Page("campaign mailboxes", lambda d: f"/campaigns/{d.campaign.pk}/mailboxes/"),
    Page("campaign sent", lambda d: f"/campaigns/{d.campaign.pk}/sent/"),
    Page("campaign analytics", lambda d: f"/campaigns/{d.campaign.pk}/analytics/"),
    Page("mailboxes", lambda d: "/mailboxes/"),
    Page("mailbox", lambda d: f"/mailboxes/{d.broken_mailbox.pk}/"),
    Page("mailbox delete", lambda d: f"/mailboxes/{d.broken_mailbox.pk}/delete/"),
    Page("replies", lambda d: "/replies/"),
    Page("replies: bounces", lambda d: "/replies/?kind=bounce"),
    Page("replies: unsubscribes", lambda d: "/replies/?kind=unsubscribe"),
    Page("replies filtered to none", lambda d: f"/replies/?label=none&campaign={d.empty_campaign.pk}"),
    Page("reply", lambda d: f"/replies/{d.long_reply.pk}/"),
    Page("reply: a bounce", lambda d: f"/replies/{d.bounce.pk}/"),
    Page("suppression list", lambda d: "/suppressions/"),
    Page("suppression delete", lambda d: f"/suppressions/{d.suppression.pk}/delete/"),
    Page("unsubscribe", lambda d: d.unsubscribe_url, roles=(ANONYMOUS,)),
    Page("new workspace", lambda d: "/workspaces/new/"),
    Page("not found", lambda d: "/no-such-page/", status=404),
    Page("not found in the workspace", lambda d: "/campaigns/999999999/", status=404),
    Page("server error", lambda d: "/breaks/", roles=(ANONYMOUS, OWNER), status=500),
]


def _a_view_that_breaks(request):
    raise RuntimeError("a bug")


# The project's URLs plus a view that raises, for the server error page (the module's server uses them).
urlpatterns = [path("breaks/", _a_view_that_breaks), path("", include("config.urls"))]

# What the sweep reports: the page is wider than the window, and by which elements.
OVERFLOW = """() => {
  const width = window.innerWidth;
  if (document.documentElement.scrollWidth <= width) return null;
  const wide = [];
  // Inside a box that scrolls (or clips) on its own, an element may be wider than the window.
  const scrolled = (element) => {
    for (let box = element.parentElement; box && box !== document.body; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== "visible") return true;
    }
    return false;
  };
  for (const element of document.body.querySelectorAll("*")) {
    const box = element.getBoundingClientRect();
    if (box.right > width + 1 && !element.closest("[data-overflow-checked]") && !scrolled(element)) {
      let name = element.tagName.toLowerCase();
      if (element.id) name += "#" + element.id;
      if (element.classList.length) name += "." + [...element.classList].join(".");
      wide.push(`${name} (right edge ${Math.round(box.right)} px)`);
      element.setAttribute("data-overflow-checked", "");
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, width, wide: wide.slice(0, 6)};
}"""
GRAVE = ("serious", "critical")
AXE = Axe()


def _swept_data(media_root):
    owner = UserFactory(email="olivia.owner@example.com", full_name="Olivia Owner")
    workspace = WorkspaceFactory(name="Acme Outreach", owner=owner, plan_code="growth")
    WorkspaceFactory(name="Side project with a rather long workspace name", owner=owner)
    member_membership = MembershipFactory(
        workspace=workspace, role=Role.MEMBER, user=UserFactory(email="max.member@example.com")
    )
    member = member_membership.user
    # The member's credit cap: its row on the members page, and the cap's words in their Lead Finder preview.
    billing_services.member_credit_cap_set(workspace=workspace, membership_id=member_membership.pk, cap=2)
    _, invitation_token = account_services.invitation_create(
        workspace=workspace,
        email=LONG_EMAIL,
        role=Role.ADMIN,
        invited_by_membership=Membership.objects.for_workspace(workspace).get(user=owner),
    )
    account_services.api_key_create(workspace=workspace, name="CRM sync", created_by=owner)
    revoked, _ = account_services.api_key_create(workspace=workspace, name="Old Zapier", created_by=owner)
    account_services.api_key_revoke(workspace=workspace, api_key_id=revoked.pk)

    campaign = CampaignFactory(workspace=workspace, name=LONG_NAME, status=Campaign.Status.ACTIVE)
    for status in (Campaign.Status.PAUSED, Campaign.Status.COMPLETED, Campaign.Status.ARCHIVED):
        CampaignFactory(workspace=workspace, name=f"Spring {status.label}", status=status)
    empty_campaign = CampaignFactory(workspace=workspace, name="Autumn follow-up")
    long_lead = LeadFactory(
        workspace=workspace, email=LONG_EMAIL, company_name="Montgomery-Worthington Holdings International"
    )
    enroll(campaign, [long_lead, *LeadFactory.create_batch(30, workspace=workspace)])
    step = add_step(
        campaign, subject="", body="Following up on {{company_name|your team}}, {{first_name|there}}."
    )
    broken_mailbox = give_a_mailbox(campaign)
    Mailbox.objects.for_workspace(workspace).filter(pk=broken_mailbox.pk).update(
        status=Mailbox.Status.ERROR,
        last_error="The server refused the login: 535 5.7.8 Username and Password not accepted. Learn more at"
        " https://support.example.com/mail/?p=BadCredentials-a-very-long-path-without-breaks",
    )
    for number, (status, error) in enumerate(
        [
            (Message.Status.SENT, ""),
            (Message.Status.FAILED, "550 5.1.1 The email account that you tried to reach does not exist."),
            (Message.Status.UNKNOWN, "The worker stopped before it could say how the sending went."),
        ]
    ):
        Message.objects.create(
            workspace=workspace,
            campaign=campaign,
            lead=long_lead if number == 0 else LeadFactory(workspace=workspace),
            step_number=1,
            mailbox=broken_mailbox,
            to_email=LONG_EMAIL,
            subject="Hello there",
            message_id=f"<swept-{number}@outreach.example>",
            status=status,
            error=error,
            claimed_at=timezone.now(),
            sent_at=timezone.now() if status == Message.Status.SENT else None,
        )
    first_message = Message.objects.for_workspace(workspace).get(message_id="<swept-0@outreach.example>")
    long_reply = ReplyFactory(
        message=first_message,
        subject="Re: Hello there — a subject line that goes on and on about quarterly planning and budgets",
        body="Hi,\n\nThanks for reaching out. " + "Let us talk next week about it. " * 20 + LONG_EMAIL,
        label="interested",
    )
    for label in ("not_interested", "out_of_office", "wrong_person", ""):
        ReplyFactory(message=first_message, label=label, subject=f"Re: Hello there ({label or 'new'})")
    bounce = ReplyFactory(
        message=first_message,
        kind="bounce",
        from_email="MAILER-DAEMON@mx.an-extraordinarily-long-company-domain-name.example.com",
        subject="Undelivered Mail Returned to Sender",
        body="This is the mail system at host mx.example.\n\n<" + LONG_EMAIL + ">: host mx said: 550 5.1.1",
        bounce_status="5.1.1",
        bounce_diagnostic="smtp; 550 5.1.1 <" + LONG_EMAIL + ">: Recipient address rejected",
        hard_bounce=True,
    )
    ReplyFactory(message=first_message, kind="auto_reply", subject="Automatic reply: out of the office")
    ReplyFactory(message=first_message, kind="unsubscribe", subject="unsubscribe")
    lead_services.suppression_add(
        workspace=workspace, values=["do-not-contact@example.com", "competitor.example"]
    )
    suppression = Suppression.objects.for_workspace(workspace).order_by("pk").first()
    unsubscribe_token = make_token(workspace_id=workspace.pk, lead_id=long_lead.pk, campaign_id=campaign.pk)

    with override_settings(MEDIA_ROOT=media_root):
        finished_import = run_import(workspace, mixed_file(), user=owner, campaign=campaign)
        draft_import = start_import(
            workspace, mixed_file(), user=owner, campaign=campaign, name="spring-leads.csv", draft=True
        )

    prospects = make_prospects(
        60,
        job_title="Vice President of Strategic Partnerships and Alliances",
        company_name="Montgomery-Worthington International Holdings",
        company_domain="montgomeryworthingtoninternationalholdings.example.com",
        city="Rio Grande do Norte",
    )
    billing_services.lead_credits_grant(
        workspace=workspace, amount=250, source=CreditGrant.Source.ADJUSTMENT, description="Welcome credits"
    )
    with override_settings(MEDIA_ROOT=media_root):
        leadfinder_services.download_create(workspace=workspace, prospect_ids=[p.pk for p in prospects[:5]])
    debit_credits(workspace, 3, description="Enrichment")
    preview = "&".join(f"prospect_ids={p.pk}" for p in prospects[:8])
    webhook = _webhook_with_a_log(workspace)
    running_bulk_action = BulkAction.objects.create(
        workspace=workspace,
        action="add",
        campaign=campaign,
        filters={"q": "montgomery"},
        created_by=owner,
        status="running",
        selected=123_456,
        processed=45_000,
    )
    failed_bulk_action = BulkAction.objects.create(
        workspace=workspace,
        action="delete",
        created_by=owner,
        status="failed",
        selected=123_456,
        outcome="A campaign or import it was filtered by was deleted before it ran; nothing was done.",
        warning=True,
    )

    return SimpleNamespace(
        running_bulk_action=running_bulk_action,
        failed_bulk_action=failed_bulk_action,
        owner=owner,
        member=member,
        campaign=campaign,
        empty_campaign=empty_campaign,
        step=step,
        broken_mailbox=broken_mailbox,
        webhook=webhook,
        suppression=suppression,
        long_reply=long_reply,
        bounce=bounce,
        unsubscribe_url=f"/u/{unsubscribe_token}",
        long_lead=long_lead,
        finished_import=finished_import,
        draft_import=draft_import,
        preview_url=f"/lead-finder/preview/?scope=selected&{preview}&campaign={campaign.pk}",
        reset_url=(
            f"/password-reset/{urlsafe_base64_encode(force_bytes(owner.pk))}/"
            f"{default_token_generator.make_token(owner)}/"
        ),
        invitation_url=f"/invitations/{invitation_token}/",
        media_root=media_root,
    )


def _webhook_with_a_log(workspace):
    """An endpoint with a long URL and one delivery in each state (a long error among them)."""
    # The module's data is made before the tests' own fixtures set the key of secrets at rest.
    with override_settings(SECRET_ENCRYPTION_KEYS=[TEST_SECRET_ENCRYPTION_KEY]):
        endpoint, _ = webhook_services.endpoint_create(
            workspace=workspace,
            url="https://hooks.montgomeryworthingtoninternationalholdings.example.com/integrations/leadpool/"
            "events/receive-and-forward-to-the-crm",
            events=["import.finished", "leadfinder.download.created", "lead_credits.low"],
        )
    event = event_emit(workspace=workspace, type="import.finished", data={"import_id": 1})
    now = timezone.now()
    for attempt, (state, status_code, error) in enumerate(
        [
            (
                Delivery.State.FAILED,
                None,
                "Refused: hooks.example.com resolves to 10.0.0.7, an internal address.",
            ),
            (Delivery.State.FAILED, 502, "The endpoint answered 502, not a 2xx."),
            (Delivery.State.DELIVERED, 200, ""),
            (Delivery.State.PENDING, None, ""),
        ],
        start=1,
    ):
        pending = state == Delivery.State.PENDING
        Delivery.objects.create(
            workspace=workspace,
            endpoint=endpoint,
            event=event,
            attempt=attempt,
            state=state,
            status_code=status_code,
            error=error,
            attempted_at=None if pending else now,
            next_attempt_at=now if pending else None,
        )
    return endpoint


@pytest.fixture(scope="module")
def swept(django_db_setup, django_db_blocker, tmp_path_factory):
    """The data and a live server of their own for the whole module; the database emptied after."""
    media_root = tmp_path_factory.mktemp("media")
    with (
        django_db_blocker.unblock(),
        override_settings(
            PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
            ROOT_URLCONF="tests.browser.test_every_page",
        ),
        pytest.MonkeyPatch.context() as monkeypatch,
    ):
        monkeypatch.setattr(import_services.tasks.run_import, "delay", lambda job_id: None)
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        try:
            data = _swept_data(media_root)
            data.url = server.url
            yield data
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            call_command("flush", interactive=False, verbosity=0)
            import_module("billing.migrations.0002_plans_packs_and_addons").seed(django_apps, None)
            # The connection of this fixture is not the one pytest-django closes before it drops the database.
            connections.close_all()


def _sign_in(page, email):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def _axe_findings(page, name):
    violations = page.evaluate("axe.run({resultTypes: ['violations']})")["violations"]
    return [
        f"{name}: axe {violation['id']} ({violation['impact']}): "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in violations
        if violation["impact"] in GRAVE
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", [ANONYMOUS, OWNER, MEMBER])
def test_every_page_fits_the_window_and_has_no_serious_accessibility_finding(
    swept, browser, settings, role, width
):
    settings.MEDIA_ROOT = swept.media_root
    viewport_width, viewport_height = WIDTHS[width]
    context = browser.new_context(
        base_url=swept.url, viewport={"width": viewport_width, "height": viewport_height}
    )
    context.set_default_timeout(10_000)
    # axe-core (the copy axe-playwright-python bundles) loads with each page: sending it to every page
    # again, as Axe().run does, took most of the sweep's time.
    context.add_init_script(AXE.axe_script)
    page = context.new_page()
    script_errors = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    failures = []
    try:
        if role != ANONYMOUS:
            _sign_in(page, {OWNER: swept.owner, MEMBER: swept.member}[role].email)
        for each in PAGES:
            url = each.url(swept)
            if role in each.refused:
                response = page.goto(url)
                if response.status != 403 or page.locator("h1").inner_text() != "Not allowed":
                    failures.append(f"{each.name} ({url}): a {role} got {response.status}, not our 403")
                continue
            if role not in each.roles:
                continue
            response = page.goto(url)
            if response.status != each.status:
                failures.append(f"{each.name} ({url}): {response.status}, not {each.status}")
                continue
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                failures.append(
                    f"{each.name}: the page is {overflow['scrollWidth']} px wide in a {overflow['width']} px "
                    f"window; wide: {'; '.join(overflow['wide'])}"
                )
            failures += _axe_findings(page, each.name)
    finally:
        context.close()
    assert not script_errors, script_errors
    assert not failures, f"{len(failures)} failures as {role} at {viewport_width} px:\n" + "\n".join(failures)


# Every ``.badge`` kind app.css defines, drawn on a real page: its text against its own background.
BADGE_CONTRAST = """(kinds) => {
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const channels = (color) => color.match(/[\\d.]+/g).map(Number);
  return kinds.map((kind) => {
    const badge = document.createElement("span");
    badge.className = ("badge " + kind).trim();
    badge.textContent = "Badge";
    document.querySelector("main").append(badge);
    const style = getComputedStyle(badge);
    const [text, background] = [channels(style.color), channels(style.backgroundColor)];
    const ends = [luminance(text.slice(0, 3)), luminance(background.slice(0, 3))];
    const [light, dark] = ends.sort((a, b) => b - a);
    return {kind, ratio: (light + 0.05) / (dark + 0.05), opaque: (background[3] ?? 1) === 1};
  });
}"""


def test_every_badge_kind_has_text_of_at_least_aa_contrast_on_its_own_background(swept, browser):
    css = (Path(django_settings.BASE_DIR) / "static" / "css" / "app.css").read_text()
    kinds = ["", *sorted(set(re.findall(r"\.badge\.([\w-]+)", css)))]
    assert len(kinds) > 5, kinds
    context = browser.new_context(base_url=swept.url)
    page = context.new_page()
    try:
        page.goto("/login/")
        measured = page.evaluate(BADGE_CONTRAST, kinds)
    finally:
        context.close()
    poor = [
        f".badge.{each['kind']}: {each['ratio']:.2f}:1{'' if each['opaque'] else ' (background not opaque)'}"
        for each in measured
        if each["ratio"] < 4.5 or not each["opaque"]
    ]
    assert not poor, poor
