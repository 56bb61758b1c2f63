"""The OpenAPI document at /api/schema/ is what the API answers: schemathesis sends generated requests (valid
and invalid) to every operation of a live server, with a real workspace and data, and fails on any 5xx and
on any answer the document does not describe (status code, content type, body, headers)."""

import re

import hypothesis
import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts import services as account_services
from accounts.models import Membership, Role
from billing import services as billing_services
from campaigns.importing import services as import_services
from config.wsgi import application
from core.ids import ID_MAX
from leadfinder import loading
from leadfinder import services as leadfinder_services
from leadfinder.models import Prospect
from leads import services as lead_services
from sending import services as sending_services
from tests.factories import (
    CampaignFactory,
    LeadFactory,
    MembershipFactory,
    ProspectFactory,
    WorkspaceFactory,
    add_step,
    enroll,
    owner_of,
)
from tests.sending.factories import ReplyFactory, message_to
from tests.sending.smtp_server import free_port
from webhooks import services as webhook_services

pytestmark = pytest.mark.schemathesis

# Cases per operation: the 35 operations take about a minute on two cores (most of it the live server).
MAX_EXAMPLES = 100

# What the id converter of the URLs takes (core.ids), up to ID_MAX: anything else matches no route.
ROUTED_ID = re.compile(r"[0-9]{1,19}")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture
def api_data(settings, tmp_path):
    """A workspace with an owner's key, campaigns, contacts, Lead Finder prospects (some owned, some with
    the blanks a vendor file leaves), a download and an import: every list has something to answer."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Thousands of requests in a few minutes from one address, some with no key: not what is tested here.
    settings.API_THROTTLE_RATE = "1000000/minute"
    settings.FAILED_SIGN_IN_RATE = "1000000/minute"
    workspace = WorkspaceFactory(name="Acme Outreach")
    owner = owner_of(workspace)
    _, raw_key = account_services.api_key_create(workspace=workspace, name="schemathesis", created_by=owner)

    campaign = CampaignFactory(workspace=workspace, name="Spring launch")
    other_campaign = CampaignFactory(workspace=workspace, name="Autumn follow-up")
    leads = LeadFactory.create_batch(5, workspace=workspace)
    enroll(campaign, leads[:3])
    steps = [add_step(campaign, subject="Hello {{first_name|there}}"), add_step(campaign, subject="")]

    loading.prospects_seed(count=40, seed=7)
    blanks = {name: "" for name in ("seniority", "department", "industry", "company_size", "country")}
    ProspectFactory.create_batch(3, email="", email_status="", phone="", linkedin_url="", **blanks)
    taken = list(Prospect.objects.exclude(email="").order_by("pk").values_list("pk", flat=True)[:5])
    download = leadfinder_services.download_create(
        workspace=workspace, prospect_ids=taken, campaign=campaign, actor=owner
    )

    suppressions = lead_services.suppression_add(
        workspace=workspace, values=["blocked@example.com", "spam.example", "unsubscribed@example.com"]
    ).added

    csv = b"email,first_name\nann@example.com,Ann\nnot-an-email,Bob\n"
    job = import_services.import_create(
        workspace=workspace, user=owner, upload=SimpleUploadedFile("leads.csv", csv), campaign=campaign
    )
    # Its test connects to a closed loopback port: refused at once, no waiting on a network.
    mailbox = sending_services.mailbox_create(
        workspace=workspace, email="sender@example.com", smtp_host="127.0.0.1", smtp_port=free_port()
    )
    # Replies of each kind, one labelled, to the first contact's message.
    message = message_to(campaign, leads[0], mailbox)
    replies = [
        ReplyFactory(message=message, kind=kind, label=label)
        for kind, label in [("reply", ""), ("reply", "interested"), ("auto_reply", ""), ("bounce", "")]
    ]
    # Its test and redelivery connect to a closed loopback port too.
    settings.ALLOW_PRIVATE_HOSTS = True
    endpoint, _ = webhook_services.endpoint_create(
        workspace=workspace, url=f"http://127.0.0.1:{free_port()}/hooks", events=["import.finished"]
    )
    delivery = webhook_services.endpoint_test(workspace=workspace, endpoint=endpoint)
    # A capped member and the owner (whom no cap applies to): /billing/credit-caps/{member_id}.
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER)
    billing_services.member_credit_cap_set(workspace=workspace, membership_id=member.pk, cap=5)
    return {
        "raw_key": raw_key,
        "ids": {
            "lead_id": [str(lead.pk) for lead in leads],
            "campaign_id": [str(campaign.pk), str(other_campaign.pk)],
            "download_id": [str(download.pk)],
            "job_id": [str(job.pk)],
            "mailbox_id": [str(mailbox.pk)],
            "step_id": [str(step.pk) for step in steps],
            "suppression_id": [str(entry.pk) for entry in suppressions],
            "reply_id": [str(reply.pk) for reply in replies],
            "endpoint_id": [str(endpoint.pk)],
            "delivery_id": [str(delivery.pk)],
            "member_id": [
                str(member.pk),
                str(Membership.objects.for_workspace(workspace).get(user=owner).pk),
            ],
        },
    }


# The document as /api/schema/ serves it (no database needed); each operation is then its own test, sent to
# a live server holding the data above.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
schema.config.generation.update(with_security_parameters=False)


@schema.parametrize()
@schema.given(data=st.data())
@hypothesis.settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(hypothesis.HealthCheck),
)
def test_every_answer_is_what_the_openapi_document_says(case, data, api_data, live_server):
    path_ids = case.path_parameters or {}
    routed = all(ROUTED_ID.fullmatch(str(value)) and int(value) <= ID_MAX for value in path_ids.values())
    negative = case.meta.generation.mode == schemathesis.GenerationMode.NEGATIVE
    if negative:
        # The API trims the text it reads, as DRF does, and the document cannot say so: a name of 201
        # characters that ends in a space is one of 200. Sent trimmed, such a case is judged as it is read.
        case.body = _trimmed(case.body)
    if routed and path_ids and not negative:
        # Now and then ids that exist, so that operations on one answer more than 404.
        case.path_parameters = {
            name: data.draw(st.sampled_from([value, *api_data["ids"][name]]), label=name)
            for name, value in path_ids.items()
        }
    case.call_and_validate(
        base_url=live_server.url, headers={"Authorization": f"Bearer {api_data['raw_key']}"}, checks=CHECKS
    )


def _trimmed(value):
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {name: _trimmed(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_trimmed(item) for item in value]
    return value
