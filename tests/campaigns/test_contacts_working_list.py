"""Contacts as a working list (issue 16, item 2): a total, filters, "select all that match" (the filters
travel, not a list of ids), and bulk actions that preview before anything happens and recount under the
quota lock when confirmed: add to a campaign (what fits; suppressed ones skipped), remove from a campaign
or from every one, delete, and export a formula-safe CSV in words."""

import csv
import io
import re

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client

from billing.models import Quota
from campaigns import services as campaign_services
from campaigns.contacts import bulk
from campaigns.models import Campaign, Enrollment
from leads import services as lead_services
from leads.models import Lead
from tests.campaigns.import_helpers import csv_text, run_import, with_active_leads_limit
from tests.factories import CampaignFactory, LeadFactory, enroll, owner_of


@pytest.fixture
def client(workspace):
    client = Client()
    client.force_login(owner_of(workspace))
    return client


def _used(workspace):
    return Quota.objects.for_workspace(workspace).get().active_leads_used


def _page(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _messages(response):
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def _emails(page):
    return set(re.findall(r">([\w.+-]+@[\w.-]+)</a></td>", page))


# The list: a total, and each filter.


def test_the_list_says_how_many_contacts_there_are_and_how_many_match(client, workspace):
    LeadFactory(workspace=workspace, email="ann@acme.example", company_name="Acme")
    LeadFactory.create_batch(2, workspace=workspace, company_name="Globex")

    assert "<strong>3 contacts</strong>" in _page(client, "/contacts/")
    assert "<strong>1 contact</strong> matches" in _page(client, "/contacts/?q=acme")
    assert "<strong>0 contacts</strong> match" in _page(client, "/contacts/?q=nobody")


def test_the_total_counts_every_page_not_only_the_first(client, workspace):
    LeadFactory.create_batch(55, workspace=workspace)

    page = _page(client, "/contacts/")

    assert "<strong>55 contacts</strong>" in page
    assert len(_emails(page)) == 50


def test_filters_by_source_campaign_no_campaign_and_suppression(client, workspace):
    found = LeadFactory(workspace=workspace, email="found@example.com", source=Lead.Source.LEADFINDER)
    api = LeadFactory(workspace=workspace, email="api@example.com", source=Lead.Source.API)
    blocked = LeadFactory(workspace=workspace, email="someone@blocked.example", source=Lead.Source.API)
    spring = CampaignFactory(workspace=workspace, name="Spring")
    enroll(spring, [api])
    lead_services.suppression_add(workspace=workspace, values=["blocked.example"])

    assert _emails(_page(client, "/contacts/?source=leadfinder")) == {found.email}
    assert _emails(_page(client, "/contacts/?source=api")) == {api.email, blocked.email}
    assert _emails(_page(client, f"/contacts/?campaign={spring.pk}")) == {api.email}
    assert _emails(_page(client, "/contacts/?campaign=none")) == {found.email, blocked.email}
    assert _emails(_page(client, "/contacts/?suppressed=yes")) == {blocked.email}
    assert _emails(_page(client, "/contacts/?suppressed=no")) == {found.email, api.email}
    combined = _page(client, "/contacts/?source=api&campaign=none&suppressed=yes")
    assert _emails(combined) == {blocked.email}
    assert "<strong>1 contact</strong> matches" in combined
    assert "Filtered: in no campaign, added by API, on the suppression list." in combined


def test_a_suppressed_address_is_found_as_well_as_a_suppressed_domain(client, workspace):
    LeadFactory(workspace=workspace, email="ann@example.com")
    LeadFactory(workspace=workspace, email="bob@example.com")
    lead_services.suppression_add(workspace=workspace, values=["ann@example.com"])

    assert _emails(_page(client, "/contacts/?suppressed=yes")) == {"ann@example.com"}


def test_a_filter_in_a_campaign_walks_its_enrollments_with_the_other_filters(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="Spring")
    ann = LeadFactory(workspace=workspace, email="ann@example.com", source=Lead.Source.IMPORT)
    bob = LeadFactory(workspace=workspace, email="bob@example.com", source=Lead.Source.API)
    enroll(spring, [ann, bob])

    assert _emails(_page(client, f"/contacts/?campaign={spring.pk}&source=import")) == {ann.email}


def test_a_malformed_filter_is_no_filter_and_another_workspaces_campaign_is_a_404(
    client, workspace, other_workspace
):
    LeadFactory(workspace=workspace, email="ann@example.com")
    theirs = CampaignFactory(workspace=other_workspace)

    page = _page(client, "/contacts/?source=fax&suppressed=maybe&campaign=x1")

    assert _emails(page) == {"ann@example.com"}
    assert 'data-testid="contact-filters"' not in page
    assert client.get(f"/contacts/?campaign={theirs.pk}").status_code == 404
    assert client.get(f"/contacts/bulk/?action=add&scope=matching&target={theirs.pk}").status_code == 404


# Select all that match: the filters travel, not ids.


def test_select_all_matching_takes_every_page_of_the_filter_and_only_it(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="Spring")
    LeadFactory.create_batch(55, workspace=workspace, source=Lead.Source.IMPORT)
    LeadFactory.create_batch(3, workspace=workspace, source=Lead.Source.API)

    page = _page(client, f"/contacts/bulk/?action=add&target={spring.pk}&scope=matching&source=import")

    assert "<strong>55 selected, " in page
    assert '<input type="hidden" name="source" value="import">' in page
    assert '<input type="hidden" name="scope" value="matching">' in page
    assert 'name="lead_ids"' not in page  # the filter travels, not a list of ids


def test_without_select_all_only_the_ticked_contacts_are_taken(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="Spring")
    ann, bob, _ = LeadFactory.create_batch(3, workspace=workspace)

    page = _page(client, f"/contacts/bulk/?action=add&target={spring.pk}&lead_ids={ann.pk}&lead_ids={bob.pk}")

    assert "<strong>2 selected, " in page
    response = client.post(
        "/contacts/bulk/", {"action": "add", "target": spring.pk, "lead_ids": [ann.pk, bob.pk]}
    )
    assert set(Enrollment.objects.for_workspace(workspace).values_list("lead_id", flat=True)) == {
        ann.pk,
        bob.pk,
    }
    assert response.url == "/contacts/"


def test_nothing_ticked_and_no_select_all_is_said_and_changes_nothing(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="Spring")
    LeadFactory(workspace=workspace)

    response = client.post("/contacts/bulk/", {"action": "add", "target": spring.pk})

    assert response.status_code == 302
    assert _messages(response) == [("error", "Tick contacts, or select every contact that matches.")]
    assert not Enrollment.objects.for_workspace(workspace).exists()


def test_adding_without_a_campaign_or_with_a_bad_action_is_said(client, workspace):
    LeadFactory(workspace=workspace)

    no_campaign = client.get("/contacts/bulk/?action=add&scope=matching")
    assert _messages(no_campaign) == [("error", "Choose a campaign.")]
    bad_action = client.get("/contacts/bulk/?action=launch&scope=matching")
    assert _messages(bad_action)[-1] == ("error", "Choose what to do.")


# Adding: the preview, then the confirm under the lock.


@pytest.fixture
def mixed(workspace):
    """Six contacts, limit 3: one in Spring already, one in Autumn (no slot needed), one suppressed,
    three needing a slot with one slot free."""
    with_active_leads_limit(workspace, 3)
    spring = CampaignFactory(workspace=workspace, name="Spring")
    autumn = CampaignFactory(workspace=workspace, name="Autumn")
    leads = [LeadFactory(workspace=workspace, email=f"p{n}@example.com") for n in range(1, 7)]
    enroll(spring, [leads[0]])
    enroll(autumn, [leads[1]])
    lead_services.suppression_add(workspace=workspace, values=["p3@example.com"])
    return spring, leads


def test_the_add_preview_counts_what_fits_and_changes_nothing(client, workspace, mixed):
    spring, _ = mixed

    page = _page(client, f"/contacts/bulk/?action=add&target={spring.pk}&scope=matching")

    assert "<strong>6 selected, 1 active-lead slot free.</strong>" in page
    assert "1 is in Spring already." in page
    assert "1 is on the suppression list and will be skipped." in page
    assert "1 is in another campaign already and needs no slot." in page
    assert "2 do not fit and stay in Contacts, not enrolled." in page
    assert ">Add the 2 that fit</button>" in page
    assert ">Cancel</a>" in page
    assert _used(workspace) == 2
    assert Enrollment.objects.for_workspace(workspace).count() == 2


def test_confirming_adds_those_that_fit_skips_the_suppressed_and_says_so_in_a_warning(
    client, workspace, mixed
):
    spring, leads = mixed

    response = client.post("/contacts/bulk/", {"action": "add", "target": spring.pk, "scope": "matching"})

    in_spring = set(
        Enrollment.objects.for_workspace(workspace).filter(campaign=spring).values_list("lead_id", flat=True)
    )
    # Newest first: p2 (no slot needed) and p6, the newest that needs one.
    assert in_spring == {leads[0].pk, leads[1].pk, leads[5].pk}
    assert _used(workspace) == 3
    assert _messages(response) == [
        (
            "warning",
            "Added 2 contacts to Spring. 2 did not fit (no active-lead slot was left) and stay in Contacts. "
            "1 on the suppression list was skipped. 1 was in it already.",
        )
    ]
    assert Campaign.objects.for_workspace(workspace).get(pk=spring.pk).lead_count == 3
    call_command("audit_quotas")


def test_a_selection_that_changed_since_its_preview_never_takes_more_than_is_free(client, workspace, mixed):
    spring, leads = mixed
    assert ">Add the 2 that fit</button>" in _page(
        client, f"/contacts/bulk/?action=add&target={spring.pk}&scope=matching"
    )
    # Meanwhile the last free slot goes elsewhere, to a contact the selection matches too.
    late = LeadFactory(workspace=workspace, email="late@example.com")
    enroll(CampaignFactory(workspace=workspace), [late])

    response = client.post("/contacts/bulk/", {"action": "add", "target": spring.pk, "scope": "matching"})

    assert _used(workspace) == 3
    assert set(
        Enrollment.objects.for_workspace(workspace).filter(campaign=spring).values_list("lead_id", flat=True)
    ) == {leads[0].pk, leads[1].pk, late.pk}  # those two needed no slot
    level, text = _messages(response)[0]
    assert level == "warning"
    assert text.startswith("Added 2 contacts to Spring. 3 did not fit")
    call_command("audit_quotas")


def test_a_large_addition_runs_in_chunks_and_stays_exact_under_the_limit(client, workspace, monkeypatch):
    monkeypatch.setattr(bulk, "CHUNK", 3)
    with_active_leads_limit(workspace, 7)
    spring = CampaignFactory(workspace=workspace, name="Spring")
    autumn = CampaignFactory(workspace=workspace, name="Autumn")
    leads = LeadFactory.create_batch(12, workspace=workspace)
    enroll(autumn, leads[:2])  # the two oldest: read after the slots ran out, added without one
    calls = []
    real = bulk.services.enrollments_add_many
    monkeypatch.setattr(
        bulk.services,
        "enrollments_add_many",
        lambda **kwargs: calls.append(kwargs["lead_ids"]) or real(**kwargs),
    )

    client.post("/contacts/bulk/", {"action": "add", "target": spring.pk, "scope": "matching"})

    in_spring = set(
        Enrollment.objects.for_workspace(workspace).filter(campaign=spring).values_list("lead_id", flat=True)
    )
    assert in_spring == {lead.pk for lead in leads[7:]} | {lead.pk for lead in leads[:2]}
    assert _used(workspace) == 7
    assert all(len(ids) <= 3 for ids in calls)
    call_command("audit_quotas")


def test_when_none_fit_the_preview_offers_nothing_to_confirm(client, workspace):
    with_active_leads_limit(workspace, 1)
    enroll(CampaignFactory(workspace=workspace), [LeadFactory(workspace=workspace)])
    spring = CampaignFactory(workspace=workspace, name="Spring")
    LeadFactory(workspace=workspace, email="waiting@example.com")

    page = _page(client, f"/contacts/bulk/?action=add&target={spring.pk}&campaign=none&scope=matching")

    assert "<strong>1 selected, 0 active-lead slots free.</strong>" in page
    assert 'data-testid="bulk-confirm"' not in page
    assert "None of them fit now." in page


def test_adding_to_an_archived_campaign_is_refused_in_words(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="Spring", status=Campaign.Status.ARCHIVED)
    LeadFactory(workspace=workspace)

    preview = client.get(f"/contacts/bulk/?action=add&target={spring.pk}&scope=matching")
    confirm = client.post("/contacts/bulk/", {"action": "add", "target": spring.pk, "scope": "matching"})

    assert _messages(preview)[0][1].startswith("Spring is archived")
    assert _messages(confirm)[0][1].startswith("Spring is archived")
    assert not Enrollment.objects.for_workspace(workspace).exists()


# Removing and deleting.


def test_removing_from_a_chosen_campaign_previews_then_frees_the_slots(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="Spring")
    autumn = CampaignFactory(workspace=workspace, name="Autumn")
    ann, bob, cy = LeadFactory.create_batch(3, workspace=workspace, source=Lead.Source.IMPORT)
    enroll(spring, [ann, bob])
    enroll(autumn, [bob])

    page = _page(client, f"/contacts/bulk/?action=remove&target={spring.pk}&scope=matching&source=import")
    response = client.post(
        "/contacts/bulk/", {"action": "remove", "target": spring.pk, "scope": "matching", "source": "import"}
    )

    assert "<strong>3 selected; 2 of them are in Spring.</strong>" in page
    assert "Removing them frees 1 active-lead slot." in page
    assert ">Remove 2 contacts from Spring</button>" in page
    assert not Enrollment.objects.for_workspace(workspace).filter(campaign=spring).exists()
    assert _used(workspace) == 1
    assert Campaign.objects.for_workspace(workspace).get(pk=spring.pk).lead_count == 0
    assert response.url == "/contacts/?source=import"
    assert _messages(response)[0][0] == "success"
    assert _messages(response)[0][1].startswith("Removed 2 contacts from Spring.")
    assert cy.pk  # untouched
    call_command("audit_quotas")


def test_removing_from_every_campaign_frees_each_slot_once(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="Spring")
    autumn = CampaignFactory(workspace=workspace, name="Autumn")
    old = CampaignFactory(workspace=workspace, name="Old")
    ann, bob, cy = LeadFactory.create_batch(3, workspace=workspace)
    enroll(spring, [ann, bob])
    enroll(autumn, [bob])
    enroll(old, [cy])
    campaign_services.campaign_set_status(workspace=workspace, campaign=old, status="archived")

    page = _page(client, "/contacts/bulk/?action=remove_all&scope=matching")
    response = client.post("/contacts/bulk/", {"action": "remove_all", "scope": "matching"})

    assert "<strong>3 selected; 3 of them are in a campaign.</strong>" in page
    assert "Removing them frees 2 active-lead slots." in page
    assert _messages(response) == [
        ("success", "Removed 3 contacts from every campaign; 2 active-lead slots freed.")
    ]
    assert not Enrollment.objects.for_workspace(workspace).exists()
    assert _used(workspace) == 0
    assert set(Campaign.objects.for_workspace(workspace).values_list("lead_count", flat=True)) == {0}
    call_command("audit_quotas")


def test_deleting_what_matches_previews_then_deletes_in_chunks_with_slots_exact(
    client, workspace, monkeypatch
):
    monkeypatch.setattr(bulk, "CHUNK", 2)
    calls = []
    real = bulk.services.leads_delete
    monkeypatch.setattr(bulk.services, "leads_delete", lambda **kwargs: calls.append(1) or real(**kwargs))
    spring = CampaignFactory(workspace=workspace, name="Spring")
    doomed = LeadFactory.create_batch(5, workspace=workspace, source=Lead.Source.API)
    kept = LeadFactory(workspace=workspace, source=Lead.Source.IMPORT)
    enroll(spring, [*doomed[:3], kept])

    page = _page(client, "/contacts/bulk/?action=delete&scope=matching&source=api")
    response = client.post("/contacts/bulk/", {"action": "delete", "scope": "matching", "source": "api"})

    assert "<strong>5 selected.</strong>" in page
    assert "Deleting them frees 3 active-lead slots." in page
    assert ">Delete 5 contacts</button>" in page
    assert _messages(response) == [("success", "Deleted 5 contacts; 3 active-lead slots freed.")]
    assert list(Lead.objects.for_workspace(workspace)) == [kept]
    assert len(calls) == 3  # 5 contacts in chunks of 2: three transactions, not five
    assert _used(workspace) == 1
    assert Campaign.objects.for_workspace(workspace).get(pk=spring.pk).lead_count == 1
    call_command("audit_quotas")


def test_deleting_ticked_ids_of_another_workspace_deletes_nothing_of_theirs(
    client, workspace, other_workspace
):
    theirs = LeadFactory(workspace=other_workspace)
    mine = LeadFactory(workspace=workspace)

    client.post("/contacts/bulk/", {"action": "delete", "lead_ids": [theirs.pk, mine.pk]})

    assert Lead.objects.for_workspace(other_workspace).filter(pk=theirs.pk).exists()
    assert not Lead.objects.for_workspace(workspace).exists()


def test_leads_delete_frees_each_active_contact_once_in_one_transaction(workspace):
    spring = CampaignFactory(workspace=workspace)
    autumn = CampaignFactory(workspace=workspace)
    ann, bob = LeadFactory.create_batch(2, workspace=workspace)
    enroll(spring, [ann, bob])
    enroll(autumn, [ann])

    deleted, freed = campaign_services.leads_delete(workspace=workspace, lead_ids=[ann.pk, bob.pk, 999_999])

    assert (deleted, freed) == (2, 2)
    assert _used(workspace) == 0
    assert list(Campaign.objects.for_workspace(workspace).values_list("lead_count", flat=True)) == [0, 0]


# Export.


def _export(client, query):
    response = client.get(f"/contacts/bulk/?action=export&{query}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="contacts.csv"'
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_the_export_is_formula_safe_in_words_and_only_the_selection(client, workspace):
    spring = CampaignFactory(workspace=workspace, name="=Spring launch")
    autumn = CampaignFactory(workspace=workspace, name="Autumn")
    evil = LeadFactory(
        workspace=workspace,
        email="eve@example.com",
        first_name='=HYPERLINK("http://evil.example")',
        company_name="@SUM(A1)",
        phone="+49 164 505 6349",
        source=Lead.Source.LEADFINDER,
        custom_fields={"plan": "-pro"},
    )
    LeadFactory(workspace=workspace, email="other@example.com", source=Lead.Source.API)
    enroll(spring, [evil])
    enroll(autumn, [evil])

    rows = _export(client, "scope=matching&source=leadfinder")

    assert rows[0][:13] == [
        "Email", "First name", "Last name", "Company", "Job title", "Phone", "Website", "LinkedIn URL",
        "City", "Country", "Source", "Campaigns", "Added",
    ]  # fmt: skip
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Email"] == "eve@example.com"
    assert row["First name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["Company"] == "'@SUM(A1)"
    assert row["Phone"] == "+49 164 505 6349"
    assert row["Source"] == "Lead Finder"
    assert row["Campaigns"] == "'=Spring launch; Autumn"
    assert row["plan"] == "'-pro"


def test_the_export_of_ticked_contacts_has_those_newest_first(client, workspace):
    ann, bob, _ = LeadFactory.create_batch(3, workspace=workspace)

    rows = _export(client, f"lead_ids={ann.pk}&lead_ids={bob.pk}")

    assert [row[0] for row in rows[1:]] == [bob.email, ann.email]


# The import's kept contacts, added once slots free (issue 16, item 3 with item 2).


def test_the_contacts_an_import_kept_are_added_from_contacts_once_slots_free(client, workspace):
    with_active_leads_limit(workspace, 1)
    spring = CampaignFactory(workspace=workspace, name="Spring")
    job = run_import(
        workspace,
        csv_text([["email"], ["ann@example.com"], ["bob@example.com"], ["cy@example.com"]]),
        campaign=spring,
    )
    assert job.over_limit == 2
    with_active_leads_limit(workspace, 3)
    query = f"import={job.pk}&campaign=none"

    page = _page(client, f"/contacts/bulk/?action=add&target={spring.pk}&scope=matching&{query}")
    response = client.post(
        "/contacts/bulk/",
        {"action": "add", "target": spring.pk, "scope": "matching", "import": job.pk, "campaign": "none"},
    )

    assert "<strong>2 selected, 2 active-lead slots free.</strong>" in page
    assert ">Add 2 contacts to Spring</button>" in page
    assert _messages(response) == [("success", "Added 2 contacts to Spring.")]
    assert _used(workspace) == 3
    assert "<strong>0 contacts</strong> match" in _page(client, f"/contacts/?{query}")


# The API takes the same filters.


def test_the_api_lists_leads_by_the_same_filters(api_client, workspace):
    found = LeadFactory(workspace=workspace, email="found@example.com", source=Lead.Source.LEADFINDER)
    blocked = LeadFactory(workspace=workspace, email="x@blocked.example", source=Lead.Source.API)
    spring = CampaignFactory(workspace=workspace)
    enroll(spring, [blocked])
    lead_services.suppression_add(workspace=workspace, values=["blocked.example"])

    def emails(query):
        response = api_client.get(f"/api/v1/leads?{query}")
        assert response.status_code == 200, response.json()
        return [lead["email"] for lead in response.json()["results"]]

    assert emails("source=leadfinder") == [found.email]
    assert emails("campaign=none") == [found.email]
    assert emails(f"campaign={spring.pk}&suppressed=true") == [blocked.email]
    assert emails("suppressed=false") == [found.email]


@pytest.mark.parametrize("query", ["source=fax", "campaign=abc", "campaign=", "suppressed=maybe", "import=x"])
def test_the_api_answers_a_malformed_filter_with_a_400(api_client, query):
    response = api_client.get(f"/api/v1/leads?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_the_api_answers_another_workspaces_import_with_a_404(api_client, other_workspace):
    with_active_leads_limit(other_workspace, 1)
    job = run_import(
        other_workspace,
        csv_text([["email"], ["a@example.com"], ["b@example.com"]]),
        campaign=CampaignFactory(workspace=other_workspace),
    )

    assert api_client.get(f"/api/v1/leads?import={job.pk}").status_code == 404
