"""Rule 16: a member works with campaigns, contacts, imports and the Lead Finder on the dashboard (the
owners' and admins' pages are refused to them in the accounts and billing tests)."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from campaigns.models import Campaign, Enrollment, ImportJob
from leads.models import Lead
from tests.factories import LeadFactory, MembershipFactory, make_prospects


def test_a_member_creates_fills_and_imports_into_a_campaign_and_takes_prospects(workspace):
    client = Client()
    client.force_login(MembershipFactory(workspace=workspace, role=Role.MEMBER).user)
    doomed = LeadFactory(workspace=workspace)

    assert client.post(reverse("campaigns"), {"name": "Members' push"}).status_code == 302
    campaign = Campaign.objects.for_workspace(workspace).get(name="Members' push")
    added = client.post(reverse("campaign_leads_add", args=[campaign.pk]), {"emails": "new@example.com"})
    assert added.status_code == 302
    assert Enrollment.objects.for_workspace(workspace).filter(campaign=campaign).count() == 1

    assert client.post(reverse("contact_delete", args=[doomed.pk])).status_code == 302
    assert not Lead.objects.for_workspace(workspace).filter(pk=doomed.pk).exists()

    upload = SimpleUploadedFile("mine.csv", b"Email\nann@example.com\n", content_type="text/csv")
    assert client.post(reverse("campaign_import", args=[campaign.pk]), {"file": upload}).status_code == 302
    assert ImportJob.objects.for_workspace(workspace).get().campaign_id == campaign.pk

    prospects = make_prospects(2)
    taken = client.post(
        reverse("leadfinder_take"),
        {"scope": "selected", "prospect_ids": [p.pk for p in prospects], "action": "contacts"},
    )
    assert taken.status_code == 302
    assert Lead.objects.for_workspace(workspace).filter(source=Lead.Source.LEADFINDER).count() == 2
