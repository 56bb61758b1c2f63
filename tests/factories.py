import itertools

import factory
from factory.django import DjangoModelFactory

from accounts import services as account_services
from accounts.models import Membership, Role, User, Workspace
from campaigns import services as campaign_services
from campaigns.models import Campaign
from leadfinder.models import Prospect
from leads.models import Lead
from sending.models import CampaignMailbox, Mailbox

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class TenantFactory(DjangoModelFactory):
    """Tenant models guard ``objects``; factories write through Django's default manager instead."""

    class Meta:
        abstract = True

    @classmethod
    def _get_manager(cls, model_class):
        return model_class._default_manager


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class WorkspaceFactory(DjangoModelFactory):
    """A workspace made the way sign-up makes one (owner membership, and whatever listens to its creation)."""

    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    owner = factory.SubFactory(UserFactory)
    plan_code = None

    @classmethod
    def _create(cls, model_class, name, owner, plan_code):
        return account_services.workspace_create(name=name, owner=owner, plan_code=plan_code)


class MembershipFactory(TenantFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


def owner_of(workspace):
    return (
        Membership.objects.for_workspace(workspace)
        .filter(role=Role.OWNER)
        .select_related("user")
        .first()
        .user
    )


class LeadFactory(TenantFactory):
    class Meta:
        model = Lead

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"lead{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    company_name = factory.Faker("company")


class CampaignFactory(DjangoModelFactory):
    """A campaign made by campaigns.services, a draft unless ``status`` says otherwise."""

    class Meta:
        model = Campaign

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")
    status = Campaign.Status.DRAFT

    @classmethod
    def _create(cls, model_class, workspace, name, status):
        campaign = campaign_services.campaign_create(workspace=workspace, name=name)
        if status == Campaign.Status.ACTIVE:
            # A campaign starts only with a sequence and an active mailbox to send it from.
            add_step(campaign)
            give_a_mailbox(campaign)
        if status != campaign.status:
            campaign, _ = campaign_services.campaign_set_status(
                workspace=workspace, campaign=campaign, status=status
            )
        return campaign


_outboxes = itertools.count(1)


def give_a_mailbox(campaign):
    """Links a new active mailbox (one that no test connects to) to the campaign."""
    mailbox = Mailbox.objects.create(
        workspace=campaign.workspace,
        email=f"outbox-{next(_outboxes)}@example.com",
        smtp_host="smtp.example.com",
    )
    CampaignMailbox.objects.create(workspace=campaign.workspace, campaign=campaign, mailbox=mailbox)
    return mailbox


def add_step(
    campaign, *, subject="Hello {{first_name|there}}", body="Hi {{first_name|there}},\n\nA word.", **fields
):
    """Adds a step to the campaign's sequence (last, unless ``position``) through campaigns.services."""
    return campaign_services.step_create(
        workspace=campaign.workspace, campaign=campaign, subject=subject, body=body, **fields
    )


def enroll(campaign, leads, *, allow_partial=False):
    """Adds existing contacts to ``campaign`` through the one door that may."""
    return campaign_services.enrollments_add(
        workspace=campaign.workspace,
        campaign=campaign,
        lead_ids=[lead.pk for lead in leads],
        allow_partial=allow_partial,
    )


class ProspectFactory(DjangoModelFactory):
    """A Lead Finder prospect (global, not tenant-owned) with an email, a phone and a LinkedIn profile."""

    class Meta:
        model = Prospect

    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = "Example"
    job_title = "Sales Manager"
    seniority = "manager"
    department = "sales"
    company_name = factory.Sequence(lambda n: f"Company {n}")
    company_domain = factory.Sequence(lambda n: f"company{n}.com")
    industry = "software"
    company_size = "51-200"
    country = "US"
    city = "Austin"
    email = factory.LazyAttribute(lambda p: f"{p.first_name.lower()}@{p.company_domain}")
    email_status = factory.LazyAttribute(lambda p: "verified" if p.email else "")
    phone = factory.Sequence(lambda n: f"+1 512 555 {n % 10000:04d}")
    linkedin_url = factory.Sequence(lambda n: f"https://www.linkedin.com/in/pat-example-{n}")


def make_prospects(count, **fields):
    """``count`` prospects in one insert, in id order."""
    prospects = Prospect.objects.bulk_create(ProspectFactory.build_batch(count, **fields))
    return sorted(prospects, key=lambda prospect: prospect.pk)
