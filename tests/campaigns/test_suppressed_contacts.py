"""Rule 20 at the campaign doors: a suppressed contact is never enrolled, needs no slot and is reported,
whether it comes by the API, the dashboard or a CSV import (the ``suppressed`` bucket of rule 11)."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from billing.models import Quota
from campaigns.importing.report import error_report_lines
from campaigns.models import Enrollment
from leads.models import Lead
from leads.services import suppression_add
from tests.campaigns.import_helpers import (
    assert_every_row_in_one_bucket,
    buckets,
    csv_text,
    run_import,
    with_active_leads_limit,
)
from tests.factories import CampaignFactory, LeadFactory, enroll, owner_of

SUPPRESSED = (
    "suppressed: the email or its domain is not to be contacted; no contact was created, changed or enrolled."
)


def enrolled_emails(campaign):
    return sorted(
        Enrollment.objects.for_workspace(campaign.workspace)
        .filter(campaign=campaign)
        .values_list("lead__email", flat=True)
    )


def used(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_used


def test_the_api_skips_suppressed_contacts_by_address_or_domain_and_reports_them(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    jane = LeadFactory(workspace=workspace, email="jane@example.com")
    bob = LeadFactory(workspace=workspace, email="bob@blocked.example")
    ok = LeadFactory(workspace=workspace, email="ok@example.com")
    suppression_add(workspace=workspace, values=["jane@example.com", "@blocked.example"])

    response = api_client.post(
        f"/api/v1/campaigns/{campaign.pk}/leads",
        {"lead_ids": [jane.pk, ok.pk, bob.pk], "leads": [{"email": "new@Blocked.example"}]},
        format="json",
    )

    body = response.json()
    assert response.status_code == 200
    new = Lead.objects.for_workspace(workspace).get(email="new@blocked.example")
    assert (body["added"], body["suppressed"]) == (1, 3)
    assert body["added_lead_ids"] == [ok.pk]
    assert body["suppressed_lead_ids"] == [jane.pk, bob.pk, new.pk]
    assert enrolled_emails(campaign) == ["ok@example.com"]
    assert used(workspace) == 1


def test_an_all_or_nothing_addition_is_not_refused_for_suppressed_contacts(api_client, workspace):
    with_active_leads_limit(workspace, 2)
    campaign = CampaignFactory(workspace=workspace)
    leads = [LeadFactory(workspace=workspace, email=f"p{n}@example.com") for n in range(4)]
    suppression_add(workspace=workspace, values=["p0@example.com", "p2@example.com"])

    response = api_client.post(
        f"/api/v1/campaigns/{campaign.pk}/leads", {"lead_ids": [lead.pk for lead in leads]}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["added"], response.json()["suppressed"]) == (2, 2)
    assert enrolled_emails(campaign) == ["p1@example.com", "p3@example.com"]
    assert used(workspace) == 2


def test_a_suppressed_contact_already_active_elsewhere_is_not_added_either(api_client, workspace):
    lead = LeadFactory(workspace=workspace, email="jane@example.com")
    enroll(CampaignFactory(workspace=workspace), [lead])
    suppression_add(workspace=workspace, value="jane@example.com")
    campaign = CampaignFactory(workspace=workspace)

    body = api_client.post(
        f"/api/v1/campaigns/{campaign.pk}/leads", {"lead_ids": [lead.pk]}, format="json"
    ).json()

    assert (body["added"], body["suppressed_lead_ids"]) == (0, [lead.pk])
    assert enrolled_emails(campaign) == []


def test_another_workspaces_list_does_not_apply(api_client, workspace, other_workspace):
    suppression_add(workspace=other_workspace, value="jane@example.com")
    campaign = CampaignFactory(workspace=workspace)

    body = api_client.post(
        f"/api/v1/campaigns/{campaign.pk}/leads", {"leads": [{"email": "jane@example.com"}]}, format="json"
    ).json()

    assert (body["added"], body["suppressed"]) == (1, 0)


def test_the_dashboard_says_in_words_that_suppressed_contacts_were_not_added(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    campaign = CampaignFactory(workspace=workspace)
    suppression_add(workspace=workspace, value="blocked.example")

    response = client.post(
        reverse("campaign_leads_add", args=[campaign.pk]),
        {"emails": "ok@example.com jane@blocked.example"},
        follow=True,
    )

    [message] = response.context["messages"]
    assert message.level_tag == "warning"
    assert str(message) == (
        "Added 1 contact. "
        "1 not added: on the suppression list (its address or domain is not to be contacted)."
    )
    assert enrolled_emails(campaign) == ["ok@example.com"]


@pytest.mark.parametrize("into_campaign", [False, True], ids=["contacts", "campaign"])
def test_an_import_puts_suppressed_rows_in_their_bucket_and_writes_nothing_for_them(workspace, into_campaign):
    campaign = CampaignFactory(workspace=workspace) if into_campaign else None
    LeadFactory(workspace=workspace, email="known@blocked.example", first_name="Old")
    suppression_add(workspace=workspace, values=["jane@example.com", "blocked.example"])
    content = csv_text(
        [
            ["Email", "First Name"],
            ["ok@example.com", "Ok"],
            ["JANE@example.com", "Jane"],
            ["known@blocked.example", "New"],
            ["new@Blocked.Example", "New"],
            ["broken", "X"],
        ]
    )

    job = run_import(workspace, content, campaign=campaign, on_duplicate="update")

    assert buckets(job) == {
        "created": 1,
        "updated": 0,
        "already_in_campaign": 0,
        "duplicates": 0,
        "invalid": 1,
        "over_limit": 0,
        "suppressed": 3,
        "enrolled": 1 if into_campaign else 0,
    }
    assert_every_row_in_one_bucket(job)
    assert job.summary == "1 created, 1 invalid, 3 on the suppression list"
    contacts = dict(Lead.objects.for_workspace(workspace).values_list("email", "first_name"))
    assert contacts == {"ok@example.com": "Ok", "known@blocked.example": "Old"}
    if into_campaign:
        assert enrolled_emails(campaign) == ["ok@example.com"]
    report = list(csv.reader(io.StringIO("".join(error_report_lines(workspace=workspace, job=job)))))
    assert [row[:2] for row in report[1:] if row[1] == SUPPRESSED] == [
        ["3", SUPPRESSED],
        ["4", SUPPRESSED],
        ["5", SUPPRESSED],
    ]


def test_the_import_api_and_page_show_the_suppressed_bucket(api_client, workspace):
    suppression_add(workspace=workspace, value="jane@example.com")
    job = run_import(workspace, csv_text([["Email"], ["jane@example.com"], ["ok@example.com"]]))
    client = Client()
    client.force_login(owner_of(workspace))

    answer = api_client.get(f"/api/v1/imports/{job.pk}").json()
    page = client.get(reverse("import_detail", args=[job.pk])).text

    assert (answer["created"], answer["suppressed"], answer["rows_processed"]) == (1, 1, 2)
    assert 'data-testid="bucket-suppressed">1<' in page
    assert "Row 2: On the suppression list: the email or its domain is not to be contacted" in page
