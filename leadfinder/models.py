"""The Lead Finder: a global prospect database, which prospects each workspace owns, and its downloads.

Fields and constraints only: ``leadfinder.services`` writes, ``leadfinder.selectors`` reads.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Concat, Lower

from core.tenancy import TenantModel


class Seniority(models.TextChoices):
    OWNER = "owner", "Owner / Founder"
    C_SUITE = "c_suite", "C-Suite"
    VP = "vp", "Vice President"
    DIRECTOR = "director", "Director"
    MANAGER = "manager", "Manager"
    SENIOR = "senior", "Senior"
    ENTRY = "entry", "Entry level"
    INTERN = "intern", "Intern"


class Department(models.TextChoices):
    EXECUTIVE = "executive", "Executive"
    ENGINEERING = "engineering", "Engineering"
    PRODUCT = "product", "Product"
    DESIGN = "design", "Design"
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    CUSTOMER_SUCCESS = "customer_success", "Customer Success"
    FINANCE = "finance", "Finance"
    HUMAN_RESOURCES = "human_resources", "Human Resources"
    OPERATIONS = "operations", "Operations"
    INFORMATION_TECHNOLOGY = "information_technology", "Information Technology"
    LEGAL = "legal", "Legal"


class Industry(models.TextChoices):
    SOFTWARE = "software", "Computer Software"
    IT_SERVICES = "it_services", "IT Services & Consulting"
    FINANCIAL_SERVICES = "financial_services", "Financial Services"
    BANKING = "banking", "Banking"
    INSURANCE = "insurance", "Insurance"
    HEALTHCARE = "healthcare", "Hospitals & Health Care"
    PHARMACEUTICALS = "pharmaceuticals", "Pharmaceuticals"
    EDUCATION = "education", "Education"
    RETAIL = "retail", "Retail"
    ECOMMERCE = "ecommerce", "E-commerce"
    MANUFACTURING = "manufacturing", "Manufacturing"
    MARKETING_ADVERTISING = "marketing_advertising", "Marketing & Advertising"
    REAL_ESTATE = "real_estate", "Real Estate"
    CONSTRUCTION = "construction", "Construction"
    LOGISTICS = "logistics", "Transportation & Logistics"
    TELECOMMUNICATIONS = "telecommunications", "Telecommunications"
    MEDIA = "media", "Media & Entertainment"
    HOSPITALITY = "hospitality", "Hospitality"
    ENERGY = "energy", "Energy & Utilities"
    LEGAL_SERVICES = "legal_services", "Legal Services"
    MANAGEMENT_CONSULTING = "management_consulting", "Management Consulting"
    NONPROFIT = "nonprofit", "Non-profit"


class CompanySize(models.TextChoices):
    """Employee-count buckets, smallest first."""

    S_1_10 = "1-10", "1-10"
    S_11_50 = "11-50", "11-50"
    S_51_200 = "51-200", "51-200"
    S_201_500 = "201-500", "201-500"
    S_501_1000 = "501-1000", "501-1000"
    S_1001_5000 = "1001-5000", "1001-5000"
    S_5001_10000 = "5001-10000", "5001-10000"
    S_10001_PLUS = "10001+", "10001+"


class Country(models.TextChoices):
    """ISO 3166-1 alpha-2 codes of the countries the database covers."""

    US = "US", "United States"
    CA = "CA", "Canada"
    MX = "MX", "Mexico"
    BR = "BR", "Brazil"
    GB = "GB", "United Kingdom"
    IE = "IE", "Ireland"
    DE = "DE", "Germany"
    FR = "FR", "France"
    ES = "ES", "Spain"
    IT = "IT", "Italy"
    NL = "NL", "Netherlands"
    BE = "BE", "Belgium"
    CH = "CH", "Switzerland"
    AT = "AT", "Austria"
    SE = "SE", "Sweden"
    NO = "NO", "Norway"
    DK = "DK", "Denmark"
    FI = "FI", "Finland"
    PL = "PL", "Poland"
    PT = "PT", "Portugal"
    IL = "IL", "Israel"
    AE = "AE", "United Arab Emirates"
    IN = "IN", "India"
    SG = "SG", "Singapore"
    JP = "JP", "Japan"
    AU = "AU", "Australia"
    NZ = "NZ", "New Zealand"
    ZA = "ZA", "South Africa"


class EmailStatus(models.TextChoices):
    VERIFIED = "verified", "Verified"
    UNVERIFIED = "unverified", "Unverified"
    # A workspace's message to it hard-bounced (rule 24): taken by no one again, so charged to no one.
    BOUNCED = "bounced", "Bounced"


# A prospect's data, in the order of a vendor's file and of a download's CSV.
PROSPECT_FIELDS = [
    "first_name",
    "last_name",
    "email",
    "email_status",
    "phone",
    "linkedin_url",
    "job_title",
    "seniority",
    "department",
    "company_name",
    "company_domain",
    "industry",
    "company_size",
    "country",
    "city",
]
# The fields that take one value of a fixed list: what searches filter on and loading checks.
ENUM_FIELDS = {
    "seniority": Seniority,
    "department": Department,
    "industry": Industry,
    "company_size": CompanySize,
    "country": Country,
}


class Prospect(models.Model):
    """A person in the Lead Finder database, shared by every workspace (not tenant-owned).

    Enumerated fields may be empty for vendor rows that do not say; such a prospect is found by keyword
    but not by that filter. The email is stored normalised (leads.normalization) and may be empty.
    """

    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100, blank=True)
    job_title = models.CharField(max_length=200, blank=True)
    seniority = models.CharField(max_length=20, choices=Seniority.choices, blank=True)
    department = models.CharField(max_length=30, choices=Department.choices, blank=True)
    company_name = models.CharField(max_length=200, blank=True)
    company_domain = models.CharField(max_length=253, blank=True)
    industry = models.CharField(max_length=30, choices=Industry.choices, blank=True)
    company_size = models.CharField(max_length=12, choices=CompanySize.choices, blank=True)
    country = models.CharField(max_length=2, choices=Country.choices, blank=True)
    city = models.CharField(max_length=100, blank=True)
    email = models.CharField(max_length=254, blank=True)
    email_status = models.CharField(max_length=12, choices=EmailStatus.choices, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    linkedin_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # What ``keyword`` searches: name, job title and company, lower-cased.
    keywords = models.GeneratedField(
        expression=Lower(
            Concat("first_name", Value(" "), "last_name", Value(" "), "job_title", Value(" "), "company_name")
        ),
        output_field=models.TextField(),
        db_persist=True,
    )

    # Not a column: leadfinder.selectors.mark_owned sets it for one workspace.
    owned: bool

    # The filters are served by GIN indexes (migration 0002): one over the facets of every prospect
    # (seniority, department, industry, size, country, city, whether it has an email) that any mix of
    # filters uses at once; one over the facets and the words of the keywords (migration 0006), that a
    # keyword with any filters uses at once; and a full-text one for job title. The few known to bounce have a
    # small index of their own, for the search of only those (the search without them needs none).
    class Meta:
        indexes = [
            models.Index(fields=["-id"], condition=Q(email_status="bounced"), name="prospect_bounced_newest")
        ]
        constraints = [
            models.UniqueConstraint(fields=["email"], condition=~Q(email=""), name="prospect_email_unique"),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="prospect_email_is_lower_case"),
            models.CheckConstraint(
                condition=Q(email="", email_status="") | (~Q(email="") & ~Q(email_status="")),
                name="prospect_email_status_iff_email",
            ),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}, {self.job_title} at {self.company_name}"

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()


class Download(TenantModel):
    """One take of prospects by a workspace: what was asked, what it cost, and the CSV it produced.

    Every requested prospect is in one bucket: ``charged`` (new, 1 credit each), ``already_owned``
    (free), ``skipped_no_email`` (no email, or one known to bounce: never charged, not taken),
    ``skipped_suppressed`` (on the workspace's suppression list, rule 20: never charged, not taken) or
    ``not_added_over_limit`` (did not fit the credits or, with a campaign, the active-lead slots; not
    charged, not taken).
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    query = models.JSONField(help_text='{"prospect_ids": [...]} or {"filters": {...}, "limit": N}')
    allow_partial = models.BooleanField(default=False)
    requested = models.PositiveIntegerField()
    charged = models.PositiveIntegerField(default=0)
    already_owned = models.PositiveIntegerField(default=0)
    skipped_no_email = models.PositiveIntegerField(default=0)
    skipped_suppressed = models.PositiveIntegerField(default=0)
    added_to_campaign = models.PositiveIntegerField(default=0)
    already_in_campaign = models.PositiveIntegerField(default=0)
    not_added_over_limit = models.PositiveIntegerField(default=0)
    file = models.FileField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["workspace", "-id"], name="download_workspace_newest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    requested=models.F("charged")
                    + models.F("already_owned")
                    + models.F("skipped_no_email")
                    + models.F("skipped_suppressed")
                    + models.F("not_added_over_limit")
                ),
                name="download_buckets_add_up",
            ),
        ]

    def __str__(self):
        return f"Download {self.pk}: {self.charged + self.already_owned} of {self.requested} prospects"

    @property
    def taken(self):
        return self.charged + self.already_owned


class Ownership(TenantModel):
    """A prospect the workspace has revealed (paid for once, rule 7) and the contact it became.

    ``lead`` is empty when that contact was deleted since; the prospect stays owned, and taking it
    again makes a new contact for free.
    """

    prospect = models.ForeignKey(Prospect, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey("leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    download = models.ForeignKey(
        Download, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", help_text="Paid in."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "prospect"], name="ownership_prospect_once_per_workspace"
            )
        ]

    def __str__(self):
        return f"Prospect {self.prospect_id} owned by workspace {self.workspace_id}"
