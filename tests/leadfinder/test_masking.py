"""No API answer or dashboard page of the Lead Finder ever carries an unowned prospect's email, phone or
LinkedIn: every one of them is fetched here and scanned for those values."""

import pytest
from django.test import Client
from django.urls import reverse

from leadfinder import services
from leadfinder.models import Download
from tests.billing.factories import debit_credits
from tests.factories import CampaignFactory, ProspectFactory, make_prospects

pytestmark = pytest.mark.django_db

API = "/api/v1/leadfinder"


@pytest.fixture
def hidden(other_workspace):
    """A prospect this workspace does not own (another workspace does)."""
    prospect = ProspectFactory(
        first_name="Hidden",
        last_name="Person",
        email="hidden.person@vault-corp.com",
        company_domain="vault-corp.com",
        phone="+44 20 7946 0999",
        linkedin_url="https://www.linkedin.com/in/hidden-person-77",
        job_title="Chief Secrets Officer",
    )
    services.download_create(workspace=other_workspace, prospect_ids=[prospect.pk])
    return prospect


def secrets_of(prospect):
    return [prospect.email, prospect.email.split("@")[0], prospect.phone, prospect.linkedin_url]


def body_of(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def assert_nothing_leaks(responses, prospect):
    for label, response in responses.items():
        assert response.status_code < 500, label
        body = body_of(response)
        for secret in secrets_of(prospect):
            assert secret not in body, f"{label} shows {secret!r}"


def test_no_api_answer_shows_an_unowned_prospects_email_phone_or_linkedin(api_client, workspace, hidden):
    [mine] = make_prospects(1)
    campaign = CampaignFactory(workspace=workspace)
    download = api_client.post(f"{API}/downloads", {"prospect_ids": [mine.pk]}, format="json")
    download_id = download.json()["id"]
    debit_credits(workspace, 99)

    responses = {
        "filters": api_client.get(f"{API}/filters"),
        "search": api_client.get(f"{API}/prospects"),
        "search by keyword": api_client.get(f"{API}/prospects", {"keyword": "hidden secrets"}),
        "search by name and title": api_client.get(f"{API}/prospects", {"job_title": "chief secrets"}),
        "search not owned": api_client.get(f"{API}/prospects", {"owned": "false", "has_email": "true"}),
        "search owned": api_client.get(f"{API}/prospects", {"owned": "true"}),
        "search page 2": api_client.get(f"{API}/prospects", {"limit": 1}),
        "download": download,
        "download refused": api_client.post(f"{API}/downloads", {"prospect_ids": [hidden.pk]}, format="json"),
        "download to a campaign refused": api_client.post(
            f"{API}/downloads", {"prospect_ids": [hidden.pk], "campaign": campaign.pk}, format="json"
        ),
        "download by filters refused": api_client.post(
            f"{API}/downloads", {"filters": {"keyword": "hidden"}, "limit": 10}, format="json"
        ),
        "downloads": api_client.get(f"{API}/downloads"),
        "download detail": api_client.get(f"{API}/downloads/{download_id}"),
        "download file": api_client.get(f"{API}/downloads/{download_id}/file.csv"),
    }
    responses["search next page"] = api_client.get(responses["search page 2"].json()["next"])

    assert_nothing_leaks(responses, hidden)
    assert hidden.pk in [row["id"] for row in responses["search"].json()["results"]]
    assert mine.phone in body_of(api_client.get(f"{API}/prospects", {"owned": "true"}))


def test_no_dashboard_page_shows_an_unowned_prospects_email_phone_or_linkedin(workspace, owner, hidden):
    [mine] = make_prospects(1)
    client = Client()
    client.force_login(owner)
    client.post(reverse("leadfinder_take"), {"scope": "selected", "prospect_ids": [mine.pk], "action": "csv"})
    debit_credits(workspace, 99)
    download = Download.objects.for_workspace(workspace).get()
    take_hidden = {"scope": "selected", "prospect_ids": [hidden.pk], "action": "csv"}

    responses = {
        "search": client.get(reverse("leadfinder")),
        "search by keyword": client.get(reverse("leadfinder"), {"keyword": "hidden"}),
        "search not owned": client.get(reverse("leadfinder"), {"owned": "no"}),
        "preview": client.get(
            reverse("leadfinder_preview"), {"scope": "selected", "prospect_ids": [hidden.pk]}
        ),
        "preview of the first N": client.get(reverse("leadfinder_preview"), {"scope": "first", "first_n": 5}),
        "take refused": client.post(reverse("leadfinder_take"), take_hidden),
        "downloads": client.get(reverse("leadfinder_downloads")),
        "download file": client.get(reverse("leadfinder_download_file", args=[download.pk])),
    }

    assert_nothing_leaks(responses, hidden)
    assert "h•••@vault-corp.com" in responses["search"].text
    assert mine.email in responses["search"].text
