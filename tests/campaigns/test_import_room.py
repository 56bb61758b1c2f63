"""The import that warns before and finishes what it could not (issue 16, item 3): the mapping page says
how many rows the file has and how many contacts the campaign can still take; a file whose email column
is not recognised is kept and the user chooses it; the summary names the contacts kept but not enrolled
and links to them in Contacts, filtered by that import and "in no campaign"."""

import re

import pytest
from django.test import Client

from campaigns import services as campaign_services
from campaigns.importing.sniffing import SAMPLE_BYTES
from campaigns.models import ImportJob
from leads.models import Lead
from tests.campaigns.import_helpers import csv_text, run_import, upload, with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, enroll, owner_of


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def _mapping_page(client, workspace, content, campaign=None):
    path = f"/campaigns/{campaign.pk}/import/" if campaign else "/imports/"
    uploaded = client.post(path, {"file": upload(content, "spring.csv")})
    job = ImportJob.objects.for_workspace(workspace).latest("id")
    assert uploaded.url == f"/imports/{job.pk}/mapping/"
    return job, client.get(uploaded.url).content.decode()


def _rows(count, padding=""):
    return csv_text([["email", "note"], *([f"person{n}@example.com", padding] for n in range(count))])


@pytest.mark.parametrize(("count", "said"), [(1, "This file has 1 row."), (2, "This file has 2 rows.")])
def test_the_mapping_page_counts_the_rows_of_a_small_file(client, workspace, count, said):
    _, page = _mapping_page(client, workspace, _rows(count))

    assert said in page
    assert "about" not in page.split('data-testid="import-rows">')[1].split("</p>")[0]
    assert "more contact" not in page  # into contacts only: no campaign, no slots to speak of


def test_the_mapping_page_estimates_the_rows_of_a_large_file_and_says_about(client, workspace):
    content = _rows(2001, padding="x" * 40)
    assert len(content.encode()) > SAMPLE_BYTES

    _, page = _mapping_page(client, workspace, content)

    estimate = int(re.search(r"This file has about ([\d,]+) rows\.", page)[1].replace(",", ""))
    assert 1900 <= estimate <= 2100


def test_a_campaign_with_room_for_every_row_says_so_without_a_warning(client, workspace):
    campaign = CampaignFactory(workspace=with_active_leads_limit(workspace, 3), name="Spring launch")

    _, page = _mapping_page(client, workspace, _rows(2), campaign)

    assert (
        "This file has 2 rows. Spring launch can take 3 more contacts: 3 active-lead slots are free now."
        in page
    )
    assert 'data-testid="import-over-limit"' not in page


def test_more_rows_than_free_slots_is_a_warning_in_words_with_the_singular(client, workspace):
    campaign = CampaignFactory(workspace=with_active_leads_limit(workspace, 1), name="Spring launch")

    _, page = _mapping_page(client, workspace, _rows(2), campaign)

    assert "Spring launch can take 1 more contact: 1 active-lead slot is free now." in page
    assert (
        "This file has 2 rows and Spring launch can take 1 more contact: the rest will be kept as contacts, "
        "not enrolled. You can add them later from Contacts." in page
    )


def test_a_large_file_over_the_free_slots_warns_about_its_estimated_rows(client, workspace):
    campaign = CampaignFactory(workspace=with_active_leads_limit(workspace, 242), name="Spring launch")

    _, page = _mapping_page(client, workspace, _rows(2001, padding="x" * 40), campaign)

    assert re.search(
        r"This file has about [\d,]+ rows and Spring launch can take 242 more contacts: the rest will be "
        r"kept as contacts, not enrolled\. You can add them later from Contacts\.",
        page,
    )


def test_a_file_whose_email_column_is_not_recognised_is_kept_and_the_user_chooses_it(
    client, workspace, django_capture_on_commit_callbacks
):
    content = "Name,Reach me at\nAnn,not given\nBob,bob@example.com\nCy,none\n"

    job, page = _mapping_page(client, workspace, content)

    assert job.status == ImportJob.Status.DRAFT
    assert job.mapping == {}
    assert "No column was recognised as the email addresses" in page
    assert '<option value="email" selected>' not in page
    with django_capture_on_commit_callbacks() as enqueued:
        confirmed = client.post(
            f"/imports/{job.pk}/mapping/",
            {"column_0": "first_name", "column_1": "email", "on_duplicate": "skip"},
        )
    assert confirmed.url == f"/imports/{job.pk}/"
    assert len(enqueued) == 1
    job.refresh_from_db()
    assert (job.status, job.mapping) == ("queued", {"Name": "first_name", "Reach me at": "email"})


def test_the_api_still_refuses_a_file_without_an_email_column(api_client, workspace):
    response = api_client.post(
        "/api/v1/imports", {"file": upload("Name,Company\nAnn,Acme\n")}, format="multipart"
    )

    assert response.status_code == 400
    assert not ImportJob.objects.for_workspace(workspace).exists()


def _over_limit_import(workspace, emails, limit=1):
    campaign = CampaignFactory(workspace=with_active_leads_limit(workspace, limit), name="Spring launch")
    job = run_import(workspace, csv_text([["email"], *([email] for email in emails)]), campaign=campaign)
    assert job.over_limit == len(emails) - limit
    return job


def test_the_summary_names_the_contacts_kept_but_not_enrolled_and_links_to_them(client, workspace):
    job = _over_limit_import(workspace, ["ann@example.com", "bob@example.com", "cy@example.com"])

    summary = client.get(f"/imports/{job.pk}/").content.decode()

    assert "2 contacts were kept but not enrolled in Spring launch: no slot was left for them." in summary
    assert f'href="/contacts/?import={job.pk}&amp;campaign=none">See them in Contacts</a>' in summary
    assert "over_active_leads_limit" not in summary


def test_the_summary_of_one_kept_contact_is_in_the_singular(client, workspace):
    job = _over_limit_import(workspace, ["ann@example.com", "bob@example.com"])

    summary = client.get(f"/imports/{job.pk}/").content.decode()

    assert "1 contact was kept but not enrolled in Spring launch: no slot was left for it." in summary


def test_an_import_with_every_row_enrolled_names_no_kept_contacts(client, workspace):
    job = _over_limit_import(workspace, ["ann@example.com"])

    assert 'data-testid="import-kept"' not in client.get(f"/imports/{job.pk}/").content.decode()


def test_contacts_filtered_by_import_and_no_campaign_are_those_kept_and_still_waiting(client, workspace):
    job = _over_limit_import(workspace, ["ann@example.com", "bob@example.com", "cy@example.com"])
    LeadFactory(workspace=workspace, email="someone.else@example.com")
    with_active_leads_limit(workspace, 2)
    bob = Lead.objects.for_workspace(workspace).get(email="bob@example.com")
    enroll(CampaignFactory(workspace=workspace, name="Autumn"), [bob])

    waiting = client.get(f"/contacts/?import={job.pk}&campaign=none").content.decode()
    kept = client.get(f"/contacts/?import={job.pk}").content.decode()

    assert "cy@example.com" in waiting
    assert "bob@example.com" not in waiting and "ann@example.com" not in waiting
    assert "someone.else@example.com" not in waiting
    assert "Filtered: the contacts the import of leads.csv kept without enrolling them" in waiting
    assert 'data-testid="contact-filters"' in waiting
    assert "now in no campaign" in waiting
    assert '<a href="/contacts/">Clear the filter</a>' in waiting
    assert "bob@example.com" in kept and "cy@example.com" in kept and "ann@example.com" not in kept


def test_contacts_in_no_campaign_leave_out_those_in_a_live_campaign_only(client, workspace):
    ann, bob, _cy = (
        LeadFactory(workspace=workspace, email=f"{name}@example.com") for name in ("ann", "bob", "cy")
    )
    enroll(CampaignFactory(workspace=workspace), [ann])
    archived = CampaignFactory(workspace=workspace)
    enroll(archived, [bob])
    campaign_services.campaign_set_status(workspace=workspace, campaign=archived, status="archived")

    page = client.get("/contacts/?campaign=none").content.decode()

    assert "bob@example.com" in page and "cy@example.com" in page
    assert "ann@example.com" not in page
    assert "in no campaign" in page


def test_another_workspaces_import_as_a_filter_is_a_404(client, workspace, other_workspace):
    theirs = _over_limit_import(other_workspace, ["their.ann@example.com", "their.bob@example.com"])

    response = client.get(f"/contacts/?import={theirs.pk}&campaign=none")

    assert response.status_code == 404
    assert "their.bob@example.com" not in response.content.decode()


def test_a_malformed_filter_is_no_filter(client, workspace):
    LeadFactory(workspace=workspace, email="ann@example.com")

    page = client.get("/contacts/?import=abc&campaign=elsewhere").content.decode()

    assert "ann@example.com" in page
    assert 'data-testid="contact-filters"' not in page


def test_each_over_limit_row_records_the_contact_it_kept(workspace):
    job = _over_limit_import(workspace, ["ann@example.com", "bob@example.com"])

    assert list(job.skipped_rows.exclude(lead=None).values_list("lead__email", flat=True)) == [
        "bob@example.com"
    ]
