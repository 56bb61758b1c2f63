"""Rule 24: a Lead Finder lead whose email hard-bounces within 30 days of being taken gets its credit back,
once, and the prospect's email is marked bounced and charged to no one again."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Workspace
from billing import selectors as billing_selectors
from billing.models import CreditGrant, LedgerEntry
from campaigns.models import Enrollment
from leadfinder import selectors, services
from leadfinder.loading import prospects_load
from leadfinder.models import Download, Ownership, Prospect
from leads import services as lead_services
from leads.models import Lead
from sending.bounces import bounce_record
from sending.models import Message
from tests.billing.factories import CreditGrantFactory, ledger_sum
from tests.campaigns.import_helpers import with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, make_prospects

pytestmark = pytest.mark.django_db

START = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
_message_ids = itertools.count(1)

# A bounce that says the address does not exist (RFC 3463 "bad destination mailbox address").
NO_SUCH_USER = "5.1.1"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _ledger_and_audit_clean_after_every_test(db, clock):
    yield
    for workspace in Workspace.objects.order_by("pk"):
        assert ledger_sum(workspace) == billing_selectors.lead_credits_balance(workspace=workspace)
    try:
        call_command("audit_quotas")
    except CommandError as failure:  # pragma: no cover - the assertion says what differed
        pytest.fail(f"audit_quotas found differences ({failure})")


def balance(workspace):
    return billing_selectors.lead_credits_balance(workspace=workspace)


def take(workspace, prospects, **kwargs):
    return services.download_create(workspace=workspace, prospect_ids=[p.pk for p in prospects], **kwargs)


def contact_of(workspace, prospect):
    return Ownership.objects.for_workspace(workspace).get(prospect=prospect).lead


def sent_message(workspace, lead, campaign=None):
    """A message sent to ``lead`` (the record the sender keeps), to bounce."""
    campaign = campaign or CampaignFactory(workspace=workspace)
    return Message.objects.create(
        workspace=workspace,
        campaign=campaign,
        lead=lead,
        step_number=1,
        to_email=lead.email,
        message_id=f"<{next(_message_ids)}.bounce-test@outreach.example>",
        status=Message.Status.SENT,
        claimed_at=START,
    )


def refunds(workspace):
    return LedgerEntry.objects.for_workspace(workspace).filter(kind=LedgerEntry.Kind.REFUND)


def quota_row_locks(captured):
    return [
        query["sql"]
        for query in captured.captured_queries
        if 'FROM "billing_quota"' in query["sql"] and query["sql"].rstrip().endswith("FOR UPDATE")
    ]


def email_status(prospect):
    return Prospect.objects.get(pk=prospect.pk).email_status


# The refund


def test_a_taken_prospect_that_bounces_gets_one_credit_back_to_the_grant_it_came_from(workspace):
    [prospect] = make_prospects(1)
    download = take(workspace, [prospect])
    debit = LedgerEntry.objects.for_workspace(workspace).get(kind=LedgerEntry.Kind.DEBIT)
    lead = contact_of(workspace, prospect)
    message = sent_message(workspace, lead)
    assert balance(workspace) == 99

    bounce_record(workspace=workspace, message=message, status=NO_SUCH_USER)

    refund = refunds(workspace).get()
    assert (refund.amount, refund.balance_after, refund.refund_of_id) == (1, 100, debit.pk)
    assert refund.reference == f"leadfinder-download:{download.pk}:prospect:{prospect.pk}:bounced"
    assert f"message {message.pk}" in refund.description
    assert f"download {download.pk}" in refund.description
    assert [(m.grant_id, m.amount) for m in refund.movements.all()] == [
        (m.grant_id, -m.amount) for m in debit.movements.all()
    ]
    assert balance(workspace) == 100
    assert email_status(prospect) == "bounced"


def test_a_bounce_recorded_again_refunds_nothing_more(workspace):
    [prospect] = make_prospects(1)
    take(workspace, [prospect])
    lead = contact_of(workspace, prospect)
    first, second = sent_message(workspace, lead), sent_message(workspace, lead)

    bounce_record(workspace=workspace, message=first, status=NO_SUCH_USER)
    bounce_record(workspace=workspace, message=first, status=NO_SUCH_USER)  # redelivered
    bounce_record(workspace=workspace, message=second, status=NO_SUCH_USER)  # the IMAP report of another step
    again = services.lead_bounced(
        workspace=workspace, lead_id=lead.pk, email=lead.email, message_id=first.pk, bounced_at=START
    )

    assert again is None
    assert refunds(workspace).count() == 1
    assert balance(workspace) == 100


def test_each_bounced_prospect_of_one_download_gets_its_own_credit_back(workspace):
    prospects = make_prospects(3)
    take(workspace, prospects)
    for prospect in prospects[:2]:
        lead = contact_of(workspace, prospect)
        bounce_record(workspace=workspace, message=sent_message(workspace, lead), status=NO_SUCH_USER)

    assert refunds(workspace).count() == 2
    assert balance(workspace) == 99


def test_a_bounce_locks_the_quota_row_once(workspace):
    [prospect] = make_prospects(1)
    take(workspace, [prospect])
    lead = contact_of(workspace, prospect)

    with CaptureQueriesContext(connection) as captured:
        refund = services.lead_bounced(
            workspace=workspace, lead_id=lead.pk, email=lead.email, message_id=1, bounced_at=START
        )

    assert refund is not None
    assert len(quota_row_locks(captured)) == 1


# No refund


def test_no_refund_after_thirty_days_but_the_email_is_still_marked(workspace, clock):
    [late, in_time] = make_prospects(2)
    take(workspace, [late, in_time])
    clock.move_to(START + timedelta(days=30, seconds=1))

    bounce_record(
        workspace=workspace, message=sent_message(workspace, contact_of(workspace, late)), status=NO_SUCH_USER
    )
    assert not refunds(workspace).exists()
    assert email_status(late) == "bounced"

    # The window is thirty days to the second, measured from the charge.
    services.lead_bounced(
        workspace=workspace,
        lead_id=contact_of(workspace, in_time).pk,
        email=in_time.email,
        message_id=1,
        bounced_at=START + timedelta(days=30),
    )
    assert refunds(workspace).count() == 1


def test_a_free_re_download_does_not_start_the_thirty_days_again(workspace, clock):
    [prospect] = make_prospects(1)
    take(workspace, [prospect])
    clock.move_to(START + timedelta(days=40))
    again = take(workspace, [prospect])
    assert (again.charged, again.already_owned) == (0, 1)

    bounce_record(
        workspace=workspace,
        message=sent_message(workspace, contact_of(workspace, prospect)),
        status=NO_SUCH_USER,
    )

    assert not refunds(workspace).exists()
    assert email_status(prospect) == "bounced"


@pytest.mark.parametrize("source", ["import", "api"])
def test_an_imported_or_api_contact_with_a_prospects_email_gets_no_refund_and_marks_nothing(
    workspace, source
):
    [prospect] = make_prospects(1)
    lead = LeadFactory(workspace=workspace, email=prospect.email, source=source)
    balance_before = balance(workspace)

    bounce_record(workspace=workspace, message=sent_message(workspace, lead), status=NO_SUCH_USER)

    assert not refunds(workspace).exists()
    assert balance(workspace) == balance_before
    assert email_status(prospect) == "verified"


def test_a_contact_whose_email_was_changed_since_the_take_marks_and_refunds_nothing(workspace):
    [prospect] = make_prospects(1)
    take(workspace, [prospect])
    lead = contact_of(workspace, prospect)
    lead_services.lead_update(workspace=workspace, lead=lead, data={"email": "someone.else@example.org"})
    lead.refresh_from_db()

    bounce_record(workspace=workspace, message=sent_message(workspace, lead), status=NO_SUCH_USER)

    assert not refunds(workspace).exists()
    assert email_status(prospect) == "verified"


def test_no_credit_comes_back_from_a_grant_that_has_expired_but_the_email_is_marked(workspace, clock):
    CreditGrantFactory(workspace=workspace, amount=5, expires_at=START + timedelta(days=2))
    [prospect] = make_prospects(1)
    take(workspace, [prospect])  # drawn from the grant that expires soonest
    clock.move_to(START + timedelta(days=3))
    balance_before = balance(workspace)

    bounce_record(
        workspace=workspace,
        message=sent_message(workspace, contact_of(workspace, prospect)),
        status=NO_SUCH_USER,
    )

    assert not refunds(workspace).exists()
    assert balance(workspace) == balance_before
    assert email_status(prospect) == "bounced"
    expired = CreditGrant.objects.for_workspace(workspace).get(amount=5)
    assert expired.remaining == 0


# Charged to no one again


def test_another_workspace_is_never_charged_for_the_bounced_prospect(workspace, other_workspace):
    [bounced, fine] = make_prospects(2)
    take(workspace, [bounced])
    bounce_record(
        workspace=workspace,
        message=sent_message(workspace, contact_of(workspace, bounced)),
        status=NO_SUCH_USER,
    )

    plan = selectors.download_plan(
        workspace=other_workspace,
        prospects=selectors.prospects_by_ids([bounced.pk, fine.pk]),
        credits_balance=balance(other_workspace),
        slots_available=None,
        allow_partial=False,
    )
    download = take(other_workspace, [bounced, fine])

    assert (plan.charged, plan.credits_needed, plan.skipped_no_email) == (1, 1, 1)
    assert (download.charged, download.skipped_no_email, download.already_owned) == (1, 1, 0)
    assert balance(other_workspace) == 99
    assert not Ownership.objects.for_workspace(other_workspace).filter(prospect=bounced).exists()
    assert not Lead.objects.for_workspace(other_workspace).filter(email=bounced.email).exists()


def test_bounced_prospects_cost_nothing_in_the_preview_first_n_partial_and_campaign_takes(other_workspace):
    prospects = make_prospects(5, city="Bounceville")  # newest first in the search: 5, 4, 3, 2, 1
    Prospect.objects.filter(pk__in=[prospects[4].pk, prospects[2].pk]).update(email_status="bounced")
    with_active_leads_limit(other_workspace, 2)
    CreditGrantFactory(workspace=other_workspace, amount=3)
    campaign = CampaignFactory(workspace=other_workspace)
    filters = selectors.ProspectFilters(city=("Bounceville",))
    first_five = selectors.prospects_first_of_search(workspace=other_workspace, filters=filters, limit=5)

    preview = selectors.download_plan(
        workspace=other_workspace,
        prospects=first_five,
        campaign=campaign,
        credits_balance=3,
        slots_available=2,
        allow_partial=True,
    )
    download = services.download_create(
        workspace=other_workspace, filters=filters, limit=5, campaign=campaign, allow_partial=True
    )

    # Rule 8: min(3 usable, 3 credits, 2 slots) = 2 added; the bounced two take neither.
    assert (preview.charged, preview.skipped_no_email, preview.not_added_over_limit) == (2, 2, 1)
    assert (download.requested, download.charged, download.skipped_no_email) == (5, 2, 2)
    assert (download.added_to_campaign, download.not_added_over_limit) == (2, 1)
    assert balance(other_workspace) == 1
    only_bounced = take(other_workspace, [prospects[4], prospects[2]])
    assert (only_bounced.charged, only_bounced.skipped_no_email) == (0, 2)
    assert balance(other_workspace) == 1


def test_loading_a_vendor_file_again_does_not_undo_a_bounce(workspace):
    [prospect] = make_prospects(1)
    Prospect.objects.filter(pk=prospect.pk).update(email_status="bounced")

    result = prospects_load(
        rows=[(2, {"email": prospect.email, "email_status": "verified", "first_name": "Renamed"})],
        columns=["email", "email_status", "first_name"],
    )

    assert result.updated == 1
    fresh = Prospect.objects.get(pk=prospect.pk)
    assert (fresh.first_name, fresh.email_status) == ("Renamed", "bounced")


# What people see


def test_the_api_shows_email_status_and_filters_out_emails_known_to_bounce(api_client):
    good, bounced = make_prospects(2)
    Prospect.objects.filter(pk=bounced.pk).update(email_status="bounced")
    url = "/api/v1/leadfinder/prospects"

    everyone = api_client.get(url).json()["results"]
    not_bounced = api_client.get(url, {"email_bounced": "false"}).json()["results"]
    only_bounced = api_client.get(url, {"email_bounced": "true"}).json()["results"]

    assert {row["id"]: row["email_status"] for row in everyone} == {
        good.pk: "verified",
        bounced.pk: "bounced",
    }
    assert [row["id"] for row in not_bounced] == [good.pk]
    assert [row["id"] for row in only_bounced] == [bounced.pk]
    refused = api_client.get(url, {"email_bounced": "perhaps"})
    assert refused.status_code == 400
    assert "email_bounced" in refused.json()["error"]["details"]


def test_a_download_by_filters_keeps_the_email_bounced_filter(api_client, workspace):
    _good, bounced = make_prospects(2, city="Filterton")
    Prospect.objects.filter(pk=bounced.pk).update(email_status="bounced")

    response = api_client.post(
        "/api/v1/leadfinder/downloads",
        {"filters": {"city": ["Filterton"], "email_bounced": False}, "limit": 10},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["requested"], body["charged"], body["skipped_no_email"]) == (1, 1, 0)
    assert body["query"]["filters"]["email_bounced"] is False
    assert Download.objects.for_workspace(workspace).get().query["filters"] == {
        "city": ["Filterton"],
        "email_bounced": False,
    }


def test_the_dashboard_shows_a_bounced_badge_and_filters_them_out(client, owner):
    client.force_login(owner)
    good, bounced = make_prospects(2)
    Prospect.objects.filter(pk=bounced.pk).update(email_status="bounced")

    html = client.get(reverse("leadfinder")).text
    filtered = client.get(reverse("leadfinder"), {"email_bounced": "no"}).text

    assert html.count('class="badge bounced"') == 1
    assert f'data-prospect-id="{bounced.pk}"' in html
    assert 'name="email_bounced"' in html
    assert f'data-prospect-id="{good.pk}"' in filtered
    assert f'data-prospect-id="{bounced.pk}"' not in filtered
    assert 'class="badge bounced"' not in filtered


def test_the_billing_page_shows_the_refund_in_the_ledger_and_the_chart(client, owner, workspace):
    client.force_login(owner)
    [prospect] = make_prospects(1)
    take(workspace, [prospect])
    bounce_record(
        workspace=workspace,
        message=sent_message(workspace, contact_of(workspace, prospect)),
        status=NO_SUCH_USER,
    )

    html = client.get("/settings/billing/").text

    ledger = html[html.index('id="ledger"') :]
    assert "<td>Refund</td>" in ledger
    assert "bounced, message" in ledger
    assert '"what": "Refund +1"' in html


def test_a_bounce_also_ends_the_leads_enrollments_as_before(workspace):
    [prospect] = make_prospects(1)
    campaign = CampaignFactory(workspace=workspace)
    take(workspace, [prospect], campaign=campaign)
    lead = contact_of(workspace, prospect)

    assert (
        bounce_record(
            workspace=workspace, message=sent_message(workspace, lead, campaign), status=NO_SUCH_USER
        )
        == 1
    )

    enrollment = Enrollment.objects.for_workspace(workspace).get(lead=lead)
    assert enrollment.status == Enrollment.Status.BOUNCED
    assert refunds(workspace).count() == 1
