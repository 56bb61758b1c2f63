"""JSON that is not JSON (NaN, Infinity), numbers past what can be kept (1e400 is infinity) and nesting past
any of our documents are bad input (rule 17): a 400 ``invalid`` through the API, a form error on the
dashboard, and nothing changes."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from campaigns.models import Campaign, Enrollment, ImportJob
from leads.models import Lead
from tests.factories import CampaignFactory, LeadFactory

DEEP = "[" * 100_000 + "]" * 100_000  # 200 KB
BAD_VALUES = {
    "infinity by overflow": ("1e400", "too large"),
    "NaN": ("NaN", "NaN is not a number JSON allows"),
    "Infinity": ("Infinity", "Infinity is not a number JSON allows"),
    "-Infinity": ("-Infinity", "-Infinity is not a number JSON allows"),
    "100,000 levels": (DEEP, "nested deeper than 32 levels"),
    "33 levels": ("[" * 33 + "]" * 33, "nested deeper than 32 levels"),
    "an integer of 5,000 digits": ("9" * 5_000, "digits"),
}


def state_of(workspace):
    leads = Lead.objects.for_workspace(workspace).order_by("pk")
    return (
        list(leads.values("pk", "email", "first_name", "custom_fields")),
        list(Campaign.objects.for_workspace(workspace).order_by("pk").values("pk", "name", "status")),
        Enrollment.objects.for_workspace(workspace).count(),
    )


REQUESTS = {
    "POST /leads": (
        "post",
        lambda lead, campaign: "/api/v1/leads",
        '{"email": "new@example.com", "custom_fields": {"score": %s}}',
    ),
    "PATCH /leads/{id}": (
        "patch",
        lambda lead, campaign: f"/api/v1/leads/{lead.pk}",
        '{"custom_fields": {"score": %s}}',
    ),
    "POST /campaigns": ("post", lambda lead, campaign: "/api/v1/campaigns", '{"name": %s}'),
    "PATCH /campaigns/{id}": (
        "patch",
        lambda lead, campaign: f"/api/v1/campaigns/{campaign.pk}",
        '{"name": %s}',
    ),
    "POST /campaigns/{id}/leads": (
        "post",
        lambda lead, campaign: f"/api/v1/campaigns/{campaign.pk}/leads",
        '{"leads": [{"email": "new@example.com", "custom_fields": {"score": %s}}]}',
    ),
}


@pytest.mark.parametrize("value", BAD_VALUES.values(), ids=BAD_VALUES.keys())
@pytest.mark.parametrize("request_", REQUESTS.values(), ids=REQUESTS.keys())
def test_the_api_answers_400_invalid_saying_why_and_changes_nothing(api_client, workspace, request_, value):
    method, path, template = request_
    text, reason = value
    lead, campaign = LeadFactory(workspace=workspace), CampaignFactory(workspace=workspace)
    before = state_of(workspace)

    response = getattr(api_client, method)(
        path(lead, campaign), data=template % text, content_type="application/json"
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["message"].startswith("JSON parse error - ") and reason in error["message"]
    assert state_of(workspace) == before


def test_finite_numbers_and_nesting_as_deep_as_a_document_needs_pass(api_client, workspace):
    campaign = CampaignFactory(workspace=workspace)
    body = '{"leads": [{"email": "ada@example.com", "custom_fields": {"score": 2.5, "seats": 12}}]}'

    response = api_client.post(
        f"/api/v1/campaigns/{campaign.pk}/leads", data=body, content_type="application/json"
    )

    assert response.status_code == 200
    lead = Lead.objects.for_workspace(workspace).get(email="ada@example.com")
    assert lead.custom_fields == {"score": 2.5, "seats": 12}


@pytest.fixture
def dashboard(owner):
    client = Client()
    client.force_login(owner)
    return client


@pytest.mark.parametrize(
    "custom_fields",
    ['{"score": NaN}', '{"score": Infinity}', '{"score": 1e400}', DEEP, "{" * 33 + "}" * 33],
    ids=["NaN", "Infinity", "1e400", "100,000 levels", "33 levels"],
)
def test_the_contact_form_refuses_such_custom_fields_and_changes_nothing(dashboard, workspace, custom_fields):
    lead = LeadFactory(workspace=workspace, custom_fields={"plan": "pro"})
    before = state_of(workspace)

    response = dashboard.post(
        reverse("contact_detail", args=[lead.pk]), {"email": lead.email, "custom_fields": custom_fields}
    )

    assert response.status_code == 200
    assert "Write valid JSON" in response.text
    assert state_of(workspace) == before


@pytest.mark.parametrize("mapping", ['{"Email": NaN}', DEEP], ids=["NaN", "100,000 levels"])
def test_an_import_mapping_of_such_json_is_400_and_stores_nothing(api_client, workspace, mapping):
    upload = SimpleUploadedFile("leads.csv", b"Email\nann@example.com\n", content_type="text/csv")

    response = api_client.post("/api/v1/imports", {"file": upload, "mapping": mapping}, format="multipart")

    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"mapping": ["Value must be valid JSON."]}
    assert not ImportJob.objects.for_workspace(workspace).exists()
