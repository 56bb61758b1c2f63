"""The Lead Finder dashboard: search, cost preview, taking prospects, downloads history."""

import re

import pytest
from django.urls import reverse

from billing import selectors as billing_selectors
from campaigns import services as campaign_services
from campaigns.models import Enrollment
from leadfinder import services
from leadfinder.models import Download, Ownership
from leads.models import Lead
from tests.billing.factories import debit_credits
from tests.factories import CampaignFactory, LeadFactory, enroll, make_prospects
from tests.unchanged import nothing_changes

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, owner):
    client.force_login(owner)
    return client


def balance(workspace):
    return billing_selectors.lead_credits_balance(workspace=workspace)


def test_the_search_page_lists_prospects_with_masked_emails_and_owned_badges(client, workspace):
    mine, theirs = make_prospects(2, first_name="Jane")
    services.download_create(workspace=workspace, prospect_ids=[mine.pk])

    html = client.get(reverse("leadfinder")).text

    assert 'data-testid="result-count">\n          2 prospects' in html
    assert mine.email in html
    assert f"j•••@{theirs.company_domain}" in html
    assert theirs.email not in html
    assert html.count('class="badge owned"') == 1


def test_the_sidebar_filters_the_results(client):
    make_prospects(2, country="US")
    [german] = make_prospects(1, country="DE", first_name="Greta")

    html = client.get(reverse("leadfinder"), {"country": "DE"}).text

    assert f'data-prospect-id="{german.pk}"' in html
    assert html.count("data-prospect-id=") == 1
    assert '<input type="hidden" name="country" value="DE">' in html


def test_no_match_says_so(client):
    make_prospects(1)

    assert "No prospect matches these filters." in client.get(reverse("leadfinder"), {"keyword": "zzz"}).text


def test_the_preview_says_what_it_costs_and_what_is_free(client, workspace):
    prospects = make_prospects(5)
    [no_email] = make_prospects(1, email="")
    services.download_create(workspace=workspace, prospect_ids=[prospects[0].pk])

    response = client.get(
        reverse("leadfinder_preview"),
        {"scope": "selected", "prospect_ids": [p.pk for p in [*prospects, no_email]]},
    )

    text = " ".join(response.text.split())
    assert "6 prospects: uses <strong>4 credits</strong>, you have 99; 1 already owned is free." in text
    assert "1 without an email (or with one known to bounce) is skipped and never charged." in text
    assert "Take 5 for 4 credits:" in text
    assert 'value="csv">Download CSV of 5 for 4 credits</button>' in text
    assert 'value="contacts" class="secondary">Save 5 to contacts for 4 credits</button>' in text
    assert balance(workspace) == 99


def test_the_preview_of_a_campaign_says_how_many_active_lead_slots_it_needs_and_has(client, workspace):
    campaign = CampaignFactory(workspace=workspace, name="Q3 outreach")
    make_prospects(3)

    response = client.get(
        reverse("leadfinder_preview"), {"scope": "first", "first_n": 3, "campaign": campaign.pk}
    )

    text = " ".join(response.text.split())
    assert (
        "Adding them to Q3 outreach needs <strong>up to 3 active-lead slots</strong> (fewer if some are "
        "contacts already in a campaign); 250 are available."
    ) in text
    assert 'value="campaign">Add 3 to Q3 outreach for 3 credits</button>' in text


def test_the_free_preview_does_not_tell_whether_a_guessed_email_is_a_masked_prospects(client, workspace):
    """A contact with the prospect's email, active in the campaign, would need no slot: the preview must not
    say so before the prospect is paid for (it would confirm the guess for free)."""
    campaign = CampaignFactory(workspace=workspace, name="Q3 outreach")
    [prospect] = make_prospects(1)
    guess = LeadFactory(workspace=workspace, email=prospect.email)
    enroll(campaign, [guess])
    query = {"scope": "selected", "prospect_ids": prospect.pk, "campaign": campaign.pk}

    def preview():
        page = client.get(reverse("leadfinder_preview"), query).text
        article = page[page.index('<article class="cost-preview"') : page.index("</article>")]
        return " ".join(re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", article).split())

    right = preview()
    guess.email = "someone.else@example.com"
    guess.save(update_fields=["email"])
    wrong = preview()

    assert "needs <strong>up to 1 active-lead slot</strong>" in right
    assert right == wrong
    guess.email = prospect.email
    guess.save(update_fields=["email"])
    client.post(reverse("leadfinder_take"), {**query, "action": "campaign"})
    assert Ownership.objects.for_workspace(workspace).get().lead_id == guess.pk  # the paid take matches
    assert Lead.objects.for_workspace(workspace).count() == 1


def test_the_preview_short_of_credits_offers_what_the_balance_pays_for(client, workspace):
    prospects = make_prospects(4)
    debit_credits(workspace, 98)

    response = client.get(
        reverse("leadfinder_preview"), {"scope": "selected", "prospect_ids": [p.pk for p in prospects]}
    )

    text = " ".join(response.text.split())
    assert "Taking them all needs 4 credits and you have 2. You can take the 2 the balance pays for" in text
    assert '<input type="hidden" name="allow_partial" value="on">' in text


def test_preview_without_a_selection_explains_what_to_do(client):
    make_prospects(1)

    response = client.get(reverse("leadfinder_preview"), {"scope": "selected"})

    assert response.status_code == 400
    assert "Tick prospects in the results, or choose the first N of the search." in response.text


def test_the_preview_button_gets_its_explanation_as_a_200_that_htmx_swaps_in(client):
    make_prospects(1)

    response = client.get(reverse("leadfinder_preview"), {"scope": "selected"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "Tick prospects in the results, or choose the first N of the search." in response.text


@pytest.mark.parametrize("view", ["leadfinder_preview", "leadfinder_take"])
def test_a_prospect_id_past_the_largest_is_refused_not_a_500(client, view):
    make_prospects(1)
    data = {"scope": "selected", "prospect_ids": "9" * 20, "destination": "csv"}

    with nothing_changes():
        response = (
            client.get(reverse(view), data)
            if view == "leadfinder_preview"
            else client.post(reverse(view), data)
        )

    assert response.status_code in (200, 400)
    assert "Tick prospects in the results" in response.text
    assert not Download.objects.unscoped().exists()


def test_a_refused_filter_shows_nothing_rather_than_every_prospect(client):
    make_prospects(3, country="DE")
    make_prospects(7, country="FR")

    response = client.get(reverse("leadfinder"), {"country": "DE", "city": "x" * 501})

    assert response.context["count"] == 0 and response.context["rows"] == []
    assert 'name="first_n"' not in response.text  # nothing to take "the first N" of


def test_download_csv_charges_and_answers_the_file_in_the_same_click(client, workspace):
    prospects = make_prospects(3, country="DE")

    response = client.post(
        reverse("leadfinder_take"), {"scope": "first", "first_n": 2, "country": "DE", "action": "csv"}
    )

    download = Download.objects.for_workspace(workspace).get()
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="leadfinder-download-{download.pk}.csv"'
    content = b"".join(response.streaming_content).decode()
    assert prospects[2].email in content and prospects[1].email in content
    assert prospects[0].email not in content
    assert balance(workspace) == 98
    listed = client.get(reverse("leadfinder_downloads")).text  # the place to fetch it again, free
    file_url = reverse("leadfinder_download_file", args=[download.pk])
    assert file_url in listed
    assert b"".join(client.get(file_url).streaming_content).decode() == content
    assert balance(workspace) == 98


def test_with_no_slot_free_in_the_campaign_the_preview_offers_to_save_to_contacts(client, workspace):
    campaign = CampaignFactory(workspace=workspace, name="Full")
    enroll(campaign, LeadFactory.create_batch(250, workspace=workspace))  # every trial slot used
    prospects = make_prospects(2)
    query = {"scope": "selected", "prospect_ids": [p.pk for p in prospects], "campaign": campaign.pk}

    text = " ".join(client.get(reverse("leadfinder_preview"), query).text.split())

    assert 'value="campaign"' not in text
    assert "Full has no active-lead slot free. Save them to contacts instead" in text
    assert 'value="contacts">Save 2 to contacts for 2 credits</button>' in text
    max_charge = int(re.search(r'name="max_charge" value="(\d+)"', text).group(1))
    response = client.post(
        reverse("leadfinder_take"), {**query, "action": "contacts", "max_charge": max_charge}
    )
    assert response.url == reverse("contacts")
    assert Lead.objects.for_workspace(workspace).filter(source=Lead.Source.LEADFINDER).count() == 2
    assert (
        not Enrollment.objects.for_workspace(workspace).filter(lead__source=Lead.Source.LEADFINDER).exists()
    )
    assert balance(workspace) == 98


def test_save_to_contacts_leads_to_the_new_contacts(client, workspace):
    prospects = make_prospects(2)

    response = client.post(
        reverse("leadfinder_take"),
        {"scope": "selected", "prospect_ids": [p.pk for p in prospects], "action": "contacts"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("contacts")
    assert prospects[0].email in response.text and prospects[1].email in response.text
    assert Lead.objects.for_workspace(workspace).filter(source=Lead.Source.LEADFINDER).count() == 2


def test_add_to_campaign_enrols_them(client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    prospects = make_prospects(2)

    response = client.post(
        reverse("leadfinder_take"),
        {
            "scope": "selected",
            "prospect_ids": [p.pk for p in prospects],
            "campaign": campaign.pk,
            "action": "campaign",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("campaign_detail", args=[campaign.pk])
    assert f"2 added to {campaign.name}." in response.text
    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count() == 2


def test_taking_more_than_the_balance_without_partial_is_refused_and_charges_nothing(client, workspace):
    prospects = make_prospects(3)
    debit_credits(workspace, 99)

    with nothing_changes():
        response = client.post(
            reverse("leadfinder_take"),
            {"scope": "selected", "prospect_ids": [p.pk for p in prospects], "action": "csv"},
        )

    assert response.status_code == 402
    assert "This needs 3 lead credits and the balance is 1." in response.text
    assert balance(workspace) == 1
    assert not Download.objects.for_workspace(workspace).exists()


def test_another_workspaces_campaign_is_not_offered(client, workspace, other_workspace):
    theirs = CampaignFactory(workspace=other_workspace)
    prospects = make_prospects(1)

    with nothing_changes():
        response = client.post(
            reverse("leadfinder_take"),
            {
                "scope": "selected",
                "prospect_ids": [prospects[0].pk],
                "campaign": theirs.pk,
                "action": "campaign",
            },
        )

    assert response.status_code == 400
    assert not Download.objects.for_workspace(workspace).exists()


def test_the_downloads_history_shows_only_this_workspaces_downloads(client, workspace, other_workspace):
    prospects = make_prospects(2)
    mine = services.download_create(workspace=workspace, prospect_ids=[prospects[0].pk])
    theirs = services.download_create(workspace=other_workspace, prospect_ids=[p.pk for p in prospects])

    html = client.get(reverse("leadfinder_downloads")).text

    assert f'id="download-{mine.pk}"' in html
    assert f'id="download-{theirs.pk}"' not in html


@pytest.mark.parametrize("value", ["²", "-3", "x", ""])
def test_a_downloads_page_position_that_is_no_id_is_left_out(client, workspace, value):
    download = services.download_create(workspace=workspace, prospect_ids=[make_prospects(1)[0].pk])

    response = client.get(reverse("leadfinder_downloads"), {"after": value, "before": value, "new": value})

    assert response.status_code == 200
    assert f'id="download-{download.pk}"' in response.text


def test_the_search_page_of_an_empty_database_says_so(client):
    assert "No prospects to search yet." in client.get(reverse("leadfinder")).text


@pytest.mark.parametrize("field", ["keyword", "job_title"])
def test_a_keyword_or_title_of_more_than_eight_words_is_refused_with_the_reason(client, field):
    make_prospects(2)
    words = "one two three four five six seven eight nine"
    value = words if field == "keyword" else f"sales manager, {words}"

    response = client.get(reverse("leadfinder"), {field: value})

    assert response.context["count"] == 0 and response.context["rows"] == []
    assert "At most 8 words (this has 9)." in response.text


def test_taking_from_the_preview_never_charges_more_than_it_showed(client, workspace):
    """Slots freed between the preview and the take let more fit: the take still charges no more than the
    preview said."""
    with_slots = CampaignFactory(workspace=workspace, name="Target")
    others = LeadFactory.create_batch(249, workspace=workspace)
    crowded = CampaignFactory(workspace=workspace)
    enroll(crowded, others)  # 1 of the trial's 250 slots left
    prospects = make_prospects(3)
    query = {"scope": "selected", "prospect_ids": [p.pk for p in prospects], "campaign": with_slots.pk}

    preview = " ".join(client.get(reverse("leadfinder_preview"), query).text.split())
    shown = int(re.search(r'name="max_charge" value="(\d+)"', preview).group(1))
    campaign_services.enrollments_remove(workspace=workspace, campaign=crowded, lead_ids=[others[0].pk])
    client.post(reverse("leadfinder_take"), {**query, "action": "campaign", "max_charge": shown})

    assert "uses <strong>1 credit</strong>" in preview and shown == 1
    assert balance(workspace) == 100 - shown
    assert Ownership.objects.for_workspace(workspace).count() == 1


def test_a_dashboard_take_says_nothing_free_about_whether_a_masked_email_is_a_known_contact(
    client, workspace
):
    full, target = CampaignFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    guessed, unknown = make_prospects(2)
    enroll(full, [LeadFactory(workspace=workspace, email=guessed.email)])
    enroll(full, LeadFactory.create_batch(249, workspace=workspace))  # no slot left
    debit_credits(workspace, 100)  # no credit left

    answers = [
        client.post(
            reverse("leadfinder_take"),
            {"scope": "selected", "prospect_ids": [prospect.pk], "campaign": target.pk, "action": "campaign"},
            follow=True,
        )
        for prospect in (guessed, unknown)
    ]

    assert [answer.status_code for answer in answers] == [200, 200]
    said = [[str(message) for message in answer.context["messages"]] for answer in answers]
    assert (
        said[0]
        == said[1]
        == [
            "Took 0 prospects: 0 new for 0 credits, 0 already owned (free). "
            "0 added to " + target.name + ". 1 did not fit and was not taken or charged."
        ]
    )
    # Nothing taken of what was asked: a warning, not a success.
    assert [message.level_tag for message in answers[0].context["messages"]] == ["warning"]
    assert not Ownership.objects.for_workspace(workspace).exists()


def test_a_take_that_skips_a_prospect_without_an_email_is_a_warning_in_the_singular(client, workspace):
    [prospect] = make_prospects(1)
    [no_email] = make_prospects(1, email="")

    response = client.post(
        reverse("leadfinder_take"),
        {"scope": "selected", "prospect_ids": [prospect.pk, no_email.pk], "action": "contacts"},
        follow=True,
    )

    [message] = response.context["messages"]
    assert message.level_tag == "warning"
    assert str(message) == (
        "Took 1 prospect: 1 new for 1 credit, 0 already owned (free). "
        "1 without an email (or with one known to bounce) was skipped (not charged)."
    )


def test_the_preview_short_of_one_credit_says_one_credit(client, workspace):
    [prospect] = make_prospects(1)
    debit_credits(workspace, 100)

    response = client.get(reverse("leadfinder_preview"), {"scope": "selected", "prospect_ids": [prospect.pk]})

    assert "Taking them all needs 1 credit and you have 0." in " ".join(response.text.split())
