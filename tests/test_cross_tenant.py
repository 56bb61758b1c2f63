"""Every route that names an object answers 404 to another workspace's id, shows none of its data and
changes nothing (rule 15), found by walking the URL resolver rather than by remembering to list it.

A route joins by capturing a parameter: any parameter, not only ``<id:…>``, because a slug, a token or a
code can name a workspace's row as well as a number can. Each such route either has a Case in CASES
(keyed by its URL name, ``namespace:name``, so moving a view to another module changes nothing here) or a
one-line reason in NOT_TENANT_SCOPED; a route with neither fails test_every_route_with_a_parameter_has_a_
case_or_a_reason, naming it.

For each route the object is made in ``other_workspace`` and the route is called as an owner of
``workspace`` (so no role check can be what refuses), through the API or the dashboard, with every method:
the case's methods (with a body that works) answer 404, the others 404 or 405. The same request on the
workspace's own object is the control: it must work, or the 404 would prove nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms.models import model_to_dict
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import Membership, Role
from campaigns.models import BulkAction, Enrollment
from leadfinder import services as leadfinder_services
from leads import services as lead_services
from sending import services as sending_services
from sending.models import Mailbox, Message
from tests import unchanged
from tests.campaigns.import_helpers import run_import, start_import
from tests.conftest import api_client_for
from tests.factories import (
    CampaignFactory,
    LeadFactory,
    MembershipFactory,
    UserFactory,
    add_step,
    enroll,
    make_prospects,
    owner_of,
)
from tests.sending.factories import ReplyFactory
from tests.sending.smtp_server import SmtpServer
from webhooks import services as webhook_services

METHODS = ("get", "post", "put", "patch", "delete")

NOT_TENANT_SCOPED = {
    "admin:*": "Django's admin: staff only, and sees every workspace by design",
    "password_reset_confirm": "a user's signed reset link; users are not a workspace's rows",
    "invitation_accept": "the invitee holds the token and belongs to no workspace yet",
    "billing_change_plan": "a plan code names the shared catalogue, not a workspace's row",
    "billing_buy_credit_pack": "a credit pack code names the shared catalogue",
    "billing_set_addon": "an add-on code names the shared catalogue",
    "unsubscribe": "the signed token names its workspace and contact: whoever holds the link may use it",
}


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name" as reverse() takes it; a route without a name shows its path instead
    path: str
    parameters: tuple[str, ...]

    @property
    def api(self):
        return self.path.startswith("api/")

    def __str__(self):
        return self.name


def discover_routes(resolver=None, prefix="", namespace="", captured=()):
    """Every route of the current URLconf that captures a parameter, included URLconfs walked down."""
    for entry in (resolver or get_resolver()).url_patterns:
        path = prefix + str(entry.pattern)
        # path()'s "<conv:name>" and re_path()'s "(?P<name>…)" both end up as named groups.
        parameters = captured + tuple(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = ":".join(filter(None, [namespace, entry.namespace]))
            yield from discover_routes(entry, path, inner, parameters)
        elif parameters:
            name = ":".join(filter(None, [namespace, entry.name or f"<unnamed> {path}"]))
            yield Route(name, path, parameters)


def not_tenant_scoped(route):
    namespace = route.name.split(":")[0] + ":*" if ":" in route.name else None
    return route.name in NOT_TENANT_SCOPED or namespace in NOT_TENANT_SCOPED


NUMBERS = count()

# What each route's id names, made in a given workspace; each object carries the workspace's slug in
# what a page or an answer would show of it, so a body that leaks theirs contains their slug.


def _lead(workspace):
    return LeadFactory(workspace=workspace, email=f"{workspace.slug}-{next(NUMBERS)}@example.com")


def _enrolled_lead(workspace):
    lead = _lead(workspace)
    enroll(CampaignFactory(workspace=workspace, name=f"{workspace.slug} campaign"), [lead])
    return lead


def _bulk_action(workspace):
    campaign = CampaignFactory(workspace=workspace, name=f"{workspace.slug} campaign")
    return BulkAction.objects.create(workspace=workspace, action="add", campaign=campaign, selected=1)


def _campaign_with_a_lead(workspace):
    campaign = CampaignFactory(workspace=workspace, name=f"{workspace.slug} campaign")
    enroll(campaign, [_lead(workspace)])
    return campaign


def _campaign_with_a_step(workspace):
    campaign = _campaign_with_a_lead(workspace)
    add_step(campaign, subject=f"{workspace.slug} hello", body="Hi {{email}}")
    return campaign


def _step(workspace):
    return _campaign_with_a_step(workspace).steps.get()


def _first_of_two_steps(workspace):
    step = _step(workspace)
    add_step(step.campaign, subject="Following up", body="Still there?")
    return step


def _step_route(step):
    return {"campaign_id": step.campaign_id, "step_id": step.pk}


def _enrollment(workspace):
    campaign = _campaign_with_a_lead(workspace)
    return Enrollment.objects.for_workspace(workspace).get(campaign=campaign)


def _enrollment_route(enrollment):
    return {"campaign_id": enrollment.campaign_id, "lead_id": enrollment.lead_id}


def _preview_of_its_lead(campaign):
    return {"lead": _leads_of(campaign)[0], "step": 1}


def _campaign_with_a_message(workspace):
    campaign = _campaign_with_a_lead(workspace)
    lead_id = _leads_of(campaign)[0]
    Message.objects.create(
        workspace=workspace,
        campaign=campaign,
        lead_id=lead_id,
        step_number=1,
        to_email=f"{workspace.slug}-{next(NUMBERS)}@example.com",
        message_id=f"<{workspace.slug}-{next(NUMBERS)}@outreach.example>",
        status=Message.Status.SENT,
        claimed_at=timezone.now(),
        sent_at=timezone.now(),
    )
    return campaign


def _reply(workspace):
    campaign = _campaign_with_a_message(workspace)
    message = Message.objects.for_workspace(workspace).get(campaign=campaign)
    return ReplyFactory(message=message, subject=f"Re: {workspace.slug} hello", body=f"{workspace.slug} here")


def _member(workspace):
    user = UserFactory(email=f"member-{next(NUMBERS)}-of-{workspace.slug}@example.com")
    return MembershipFactory(workspace=workspace, user=user, role=Role.MEMBER)


def _invitation(workspace):
    invitation, _ = account_services.invitation_create(
        workspace=workspace,
        email=f"invitee-{next(NUMBERS)}-of-{workspace.slug}@example.com",
        role=Role.MEMBER,
        invited_by_membership=Membership.objects.for_workspace(workspace).get(role=Role.OWNER),
    )
    return invitation


def _api_key(workspace):
    api_key, _ = account_services.api_key_create(
        workspace=workspace, name=f"{workspace.slug} key", created_by=owner_of(workspace)
    )
    return api_key


def _leadfinder_download(workspace):
    prospects = make_prospects(1, company_domain=f"{workspace.slug}.example")
    return leadfinder_services.download_create(workspace=workspace, prospect_ids=[p.pk for p in prospects])


def _csv(workspace):
    # One good row and one the import skips, so the error report has a row to show.
    return f"Email\n{workspace.slug}@example.com\nnot-an-email-{workspace.slug}\n"


def _import(workspace):
    campaign = CampaignFactory(workspace=workspace, name=f"{workspace.slug} campaign")
    return start_import(workspace, _csv(workspace), name=f"{workspace.slug}.csv", campaign=campaign)


def _finished_import(workspace):
    campaign = CampaignFactory(workspace=workspace, name=f"{workspace.slug} campaign")
    return run_import(workspace, _csv(workspace), name=f"{workspace.slug}.csv", campaign=campaign)


def _import_draft(workspace):
    return start_import(workspace, _csv(workspace), name=f"{workspace.slug}.csv", draft=True)


def _suppression(workspace):
    return lead_services.suppression_add(workspace=workspace, value=f"{workspace.slug}@example.com")


def _leads_of(campaign):
    return list(
        Enrollment.objects.for_workspace(campaign.workspace)
        .filter(campaign=campaign)
        .values_list("lead_id", flat=True)
    )


# The mailbox test routes log in for real: their mailboxes point at this module's SMTP server.
SMTP_SERVERS: list[SmtpServer] = []


@pytest.fixture(scope="module", autouse=True)
def _smtp_server():
    server = SmtpServer().start()
    SMTP_SERVERS.append(server)
    yield
    SMTP_SERVERS.remove(server)
    server.stop()


def _mailbox(workspace):
    return sending_services.mailbox_create(
        workspace=workspace,
        email=f"{workspace.slug}-{next(NUMBERS)}@example.com",
        smtp_host="smtp.example.com",
    )


def _mailbox_in_error(workspace):
    """A mailbox whose login works again: testing it brings it back to active (the control acts)."""
    (server,) = SMTP_SERVERS
    mailbox = sending_services.mailbox_create(
        workspace=workspace,
        email=f"{workspace.slug}-{next(NUMBERS)}@example.com",
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_security="none",
        smtp_username=server.username,
        smtp_password=server.password,
    )
    Mailbox.objects.for_workspace(workspace).filter(pk=mailbox.pk).update(status=Mailbox.Status.ERROR)
    return mailbox


def _mailbox_form(mailbox):
    return {
        "email": mailbox.email,
        "smtp_host": "smtp.example.com",
        "smtp_port": "587",
        "smtp_security": "starttls",
        "imap_port": "993",
        "imap_security": "ssl",
        "daily_limit": "7",
        "min_interval_seconds": "60",
    }


def _campaign_and_a_mailbox(workspace):
    _mailbox(workspace)
    return CampaignFactory(workspace=workspace, name=f"{workspace.slug} campaign")


def _the_workspaces_mailboxes(campaign):
    return {"mailboxes": [mailbox.pk for mailbox in Mailbox.objects.for_workspace(campaign.workspace)]}


def _webhook(workspace):
    """An endpoint whose host is refused when a test or a redelivery connects (loopback, rule 25): the
    control still acts (it logs the refused attempt) and nothing leaves the machine."""
    with override_settings(ALLOW_PRIVATE_HOSTS=True):
        endpoint, _ = webhook_services.endpoint_create(
            workspace=workspace, url=f"https://127.0.0.1:9/{workspace.slug}", events=["import.finished"]
        )
    return endpoint


def _webhook_delivery(workspace):
    return webhook_services.endpoint_test(workspace=workspace, endpoint=_webhook(workspace))


def _delivery_route(delivery):
    return {"endpoint_id": delivery.endpoint_id, "delivery_id": delivery.pk}


def _a_csv_upload(_):
    return {"file": SimpleUploadedFile("more.csv", b"Email\nsomeone@example.com\n", content_type="text/csv")}


@dataclass(frozen=True)
class Case:
    make: Callable  # workspace -> the object the route's id names
    # Each method the route acts on -> a body that works on the workspace's own object (or a function of
    # that object giving one). Every other method is tried too, with no body: it must answer 404 or 405.
    methods: dict = field(default_factory=lambda: {"get": {}})
    shows_the_object: bool = True  # its GET answer shows the object's data (else the leak check is blind)
    # The route's parameters from the object, for a route that names more than one (a step of a campaign).
    url_kwargs: Callable | None = None


CASES = {
    # API
    "api:lead-detail": Case(_enrolled_lead, {"get": {}, "patch": {"first_name": "Mallory"}, "delete": {}}),
    "api:campaign-detail": Case(
        _campaign_with_a_lead, {"get": {}, "patch": {"status": "archived"}, "delete": {}}
    ),
    "api:campaign-leads": Case(
        _campaign_with_a_lead, {"get": {}, "post": {"leads": [{"email": "mallory@example.com"}]}}
    ),
    "api:campaign-leads-remove": Case(
        _campaign_with_a_lead, {"post": lambda campaign: {"lead_ids": _leads_of(campaign)}}
    ),
    "api:campaign-lead-detail": Case(
        _enrollment, {"get": {}, "patch": {"status": "paused"}}, url_kwargs=_enrollment_route
    ),
    "api:campaign-steps": Case(
        _campaign_with_a_step, {"get": {}, "post": {"subject": "Hi", "body": "Mallory"}}
    ),
    "api:campaign-step-detail": Case(
        _step, {"patch": {"subject": "Mallory"}, "delete": {}}, url_kwargs=_step_route
    ),
    "api:campaign-preview": Case(_campaign_with_a_step, {"get": _preview_of_its_lead}),
    "api:import-detail": Case(_finished_import),
    "api:import-errors": Case(_finished_import),
    "api:import-cancel": Case(_import, {"post": {}}),
    "api:campaign-messages": Case(_campaign_with_a_message),
    "api:campaign-stats": Case(_campaign_with_a_message, shows_the_object=False),
    "api:leadfinder-download-detail": Case(_leadfinder_download, shows_the_object=False),
    "api:leadfinder-download-file": Case(_leadfinder_download),
    "api:mailbox-detail": Case(_mailbox, {"get": {}, "patch": {"daily_limit": 7}, "delete": {}}),
    "api:mailbox-test": Case(_mailbox_in_error, {"post": {}}),
    "api:suppression-detail": Case(_suppression, {"delete": {}}),
    "api:reply-detail": Case(_reply, {"get": {}, "patch": {"label": "interested"}}),
    "api:webhook-detail": Case(_webhook, {"get": {}, "patch": {"active": False}, "delete": {}}),
    "api:webhook-test": Case(_webhook, {"post": {}}, shows_the_object=False),
    "api:webhook-roll-secret": Case(_webhook, {"post": {}}),
    "api:webhook-deliveries": Case(
        _webhook_delivery, shows_the_object=False, url_kwargs=lambda d: {"endpoint_id": d.endpoint_id}
    ),
    "api:webhook-redeliver": Case(_webhook_delivery, {"post": {}}, url_kwargs=_delivery_route),
    "api:billing-credit-cap": Case(_member, {"get": {}, "put": {"cap": 5}}),
    # Dashboard
    "contact_detail": Case(_enrolled_lead, {"get": {}, "post": {"email": "mallory@example.com"}}),
    "contact_delete": Case(_enrolled_lead, {"post": {}}),
    "contact_bulk_status": Case(_bulk_action),
    "campaign_detail": Case(_campaign_with_a_lead),
    "campaign_rename": Case(_campaign_with_a_lead, {"post": {"name": "Mallory"}}),
    "campaign_status": Case(_campaign_with_a_lead, {"post": {"status": "archived"}}),
    "campaign_delete": Case(_campaign_with_a_lead, {"get": {}, "post": {}}),
    "campaign_leads_add": Case(_campaign_with_a_lead, {"post": {"emails": "mallory@example.com"}}),
    "campaign_leads_remove": Case(
        _campaign_with_a_lead, {"post": lambda campaign: {"lead_ids": _leads_of(campaign)}}
    ),
    "campaign_lead_status": Case(_enrollment, {"post": {"status": "paused"}}, url_kwargs=_enrollment_route),
    "campaign_sent": Case(_campaign_with_a_message),
    "campaign_analytics": Case(_campaign_with_a_message),
    "campaign_import": Case(_campaign_with_a_lead, {"post": _a_csv_upload}),
    "campaign_sequence": Case(
        _campaign_with_a_step, {"get": {}, "post": {"subject": "Hi", "body": "Mallory", "delay_days": 1}}
    ),
    "campaign_step": Case(
        _step,
        {"get": {}, "post": {"subject": "Hi", "body": "Mallory", "delay_days": 2}},
        url_kwargs=_step_route,
    ),
    "campaign_step_move": Case(_first_of_two_steps, {"post": {"direction": "down"}}, url_kwargs=_step_route),
    "campaign_step_delete": Case(_step, {"post": {}}, url_kwargs=_step_route),
    "campaign_schedule": Case(
        _campaign_with_a_lead,
        {"get": {}, "post": {"timezone": "Europe/Berlin", "days": [1, 2], "start": "08:00", "end": "16:00"}},
    ),
    "import_detail": Case(_finished_import),
    "import_mapping": Case(_import_draft, {"get": {}, "post": {"column_0": "email", "on_duplicate": "skip"}}),
    "import_progress": Case(_finished_import),
    "import_cancel": Case(_import, {"post": {}}),
    "import_errors": Case(_finished_import),
    "leadfinder_download_file": Case(_leadfinder_download),
    "mailbox_edit": Case(_mailbox, {"get": {}, "post": _mailbox_form}),
    "mailbox_status": Case(_mailbox, {"post": {"status": "paused"}}),
    "mailbox_test": Case(_mailbox_in_error, {"post": {}}),
    "mailbox_delete": Case(_mailbox, {"get": {}, "post": {}}),
    "campaign_mailboxes": Case(_campaign_and_a_mailbox, {"get": {}, "post": _the_workspaces_mailboxes}),
    "member_change_role": Case(_member, {"post": {"role": "admin"}}),
    "member_remove": Case(_member, {"post": {}}),
    "member_credit_cap_set": Case(_member, {"post": {"cap": "5"}}),
    "invitation_revoke": Case(_invitation, {"post": {}}),
    "api_key_revoke": Case(_api_key, {"post": {}}),
    "suppression_delete": Case(_suppression, {"get": {}, "post": {}}),
    "reply_detail": Case(_reply),
    "reply_label": Case(_reply, {"post": {"label": "wrong_person"}}),
    "webhook_detail": Case(_webhook),
    "webhook_test": Case(_webhook, {"post": {}}),
    "webhook_roll_secret": Case(_webhook, {"post": {}}),
    "webhook_switch": Case(_webhook, {"post": {}}),
    "webhook_delete": Case(_webhook, {"post": {}}),
    "webhook_redeliver": Case(_webhook_delivery, {"post": {}}, url_kwargs=_delivery_route),
}

ROUTES = list(discover_routes())


def snapshot(obj):
    row = type(obj)._default_manager.filter(pk=obj.pk).first()
    return None if row is None else model_to_dict(row)


def body_for(case, method, obj):
    body = case.methods.get(method, {})
    return body(obj) if callable(body) else body


class Caller:
    """Calls a route as an owner of ``workspace``: with its API key under /api/, signed in otherwise."""

    def __init__(self, workspace, route, url_kwargs=None):
        self.route = route
        self.url_kwargs = url_kwargs
        if route.api:
            self.client = api_client_for(workspace)
        else:
            self.client = Client()
            self.client.force_login(owner_of(workspace))

    def __call__(self, method, obj, body):
        if self.url_kwargs:
            url = reverse(self.route.name, kwargs=self.url_kwargs(obj))
        else:
            assert len(self.route.parameters) == 1, f"{self.route}: this route names more: give url_kwargs"
            (parameter,) = self.route.parameters
            url = reverse(self.route.name, kwargs={parameter: obj.pk})
        call = getattr(self.client, method)
        if self.route.api:
            return call(url, body, format="json")
        if method in ("get", "post"):
            return call(url, body)
        return call(url)


def assert_not_found(route, method, response):
    where = f"{method.upper()} {route.path} answered {response.status_code}"
    assert response.status_code == 404, where
    if route.api:
        assert response.json()["error"]["code"] == "not_found", where
    else:
        assert "<h1>Not found</h1>" in response.content.decode(), where


def shows(workspace, response):
    text = b"".join(response) if response.streaming else response.content
    text = text.decode(errors="replace").lower()
    return workspace.slug in text or workspace.name.lower() in text


@pytest.mark.parametrize("route", [route for route in ROUTES if route.name in CASES], ids=str)
def test_another_workspaces_id_answers_404_shows_nothing_and_changes_nothing(
    route, workspace, other_workspace
):
    case = CASES[route.name]
    call = Caller(workspace, route, case.url_kwargs)
    theirs = case.make(other_workspace)
    before = snapshot(theirs)

    for method in METHODS:
        with unchanged.nothing_changes():
            response = call(method, theirs, body_for(case, method, theirs))
        if method in case.methods:
            assert_not_found(route, method, response)
        else:
            assert response.status_code in (404, 405), f"{method.upper()} {route.path}"
        assert snapshot(theirs) == before, f"{method.upper()} {route.path} changed their object"
        assert not shows(other_workspace, response), f"{method.upper()} {route.path} shows their data"

    for method in case.methods:
        mine = case.make(workspace)
        mine_before, everything_before = snapshot(mine), unchanged.snapshot()
        response = call(method, mine, body_for(case, method, mine))
        assert response.status_code < 400, (
            f"the control {method.upper()} {route.path}: {response.status_code}"
        )
        if method == "get":
            assert shows(workspace, response) == case.shows_the_object, f"GET {route.path}"
        else:
            acted = snapshot(mine) != mine_before or unchanged.snapshot() != everything_before
            assert acted, f"the control {method.upper()} {route.path} changed nothing: a body that works?"


@pytest.mark.parametrize(
    "route, parameter, make",
    [
        ("api:leads", "campaign", _campaign_with_a_lead),
        ("api:replies", "campaign", _campaign_with_a_lead),
        ("api:replies", "mailbox", _mailbox),
    ],
)
def test_a_filter_with_another_workspaces_id_answers_404(api_client, other_workspace, route, parameter, make):
    """An id in a query string is not in the URL resolver: listed here by hand."""
    theirs = make(other_workspace)

    response = api_client.get(reverse(route), {parameter: theirs.pk})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    "query",
    [
        {"action": "add", "scope": "matching", "target": "THEIR_CAMPAIGN"},
        {"action": "remove", "scope": "matching", "target": "THEIR_CAMPAIGN"},
        {"action": "delete", "scope": "matching", "campaign": "THEIR_CAMPAIGN"},
        {"action": "export", "scope": "matching", "campaign": "THEIR_CAMPAIGN"},
        {"action": "delete", "scope": "matching", "import": "THEIR_IMPORT"},
    ],
)
def test_contacts_bulk_actions_with_another_workspaces_campaign_or_import_answer_404(
    workspace, other_workspace, query
):
    """The Contacts filters and bulk actions take ids in the query or the form: listed here by hand."""
    theirs = _campaign_with_a_lead(other_workspace)
    job = run_import(other_workspace, "email\nann@example.com\n")
    LeadFactory(workspace=workspace)
    ids = {"THEIR_CAMPAIGN": theirs.pk, "THEIR_IMPORT": job.pk}
    data = {name: ids.get(value, value) for name, value in query.items()}
    client = Client()
    client.force_login(owner_of(workspace))
    before = unchanged.snapshot()

    answers = [client.get("/contacts/bulk/", data), client.post("/contacts/bulk/", data)]
    answers.append(client.get("/contacts/", {k: v for k, v in data.items() if k in ("campaign", "import")}))

    assert [answer.status_code for answer in answers[:2]] == [404, 404]
    assert answers[2].status_code == (404 if "campaign" in data or "import" in data else 200)
    assert unchanged.snapshot() == before


def uncovered(routes):
    return sorted(
        f"{route.name} ({route.path})"
        for route in routes
        if route.name not in CASES and not not_tenant_scoped(route)
    )


def test_every_route_with_a_parameter_has_a_case_or_a_reason():
    missing = uncovered(discover_routes())

    assert not missing, (
        "routes that capture a parameter with no cross-tenant case: add each to CASES, or to "
        f"NOT_TENANT_SCOPED with the reason it names no workspace's row: {missing}"
    )


def test_every_case_and_reason_names_a_route_that_exists():
    names = {route.name for route in discover_routes()}
    namespaces = {name.split(":")[0] + ":*" for name in names if ":" in name}

    assert set(CASES) - names == set()
    assert set(NOT_TENANT_SCOPED) - names - namespaces == set()


def test_no_two_routes_with_a_parameter_share_a_name():
    """reverse() reaches one route of a name: a second one would go untested under the same case."""
    names = [route.name for route in discover_routes()]

    assert sorted({name for name in names if names.count(name) > 1}) == []


@pytest.mark.urls("tests.urls_with_a_route_without_a_case")
def test_a_route_added_without_a_case_fails_the_suite_naming_it():
    with pytest.raises(AssertionError, match=r"gadgets:detail \(gadgets/<id:gadget_id>/\)"):
        test_every_route_with_a_parameter_has_a_case_or_a_reason()
