from django.urls import path

from accounts import api as accounts_api
from billing import api as billing_api
from campaigns import api as campaigns_api
from campaigns.contacts import api as contacts_api
from campaigns.importing import api as imports_api
from leadfinder import api as leadfinder_api

app_name = "api"

urlpatterns = [
    path("workspace", accounts_api.WorkspaceView.as_view(), name="workspace"),
    path("usage", billing_api.UsageView.as_view(), name="usage"),
    path("billing/plans", billing_api.PlanListView.as_view(), name="billing-plans"),
    path("billing/subscription", billing_api.SubscriptionView.as_view(), name="billing-subscription"),
    path("billing/ledger", billing_api.LedgerView.as_view(), name="billing-ledger"),
    path("billing/credit-packs", billing_api.CreditPackView.as_view(), name="billing-credit-packs"),
    path("billing/addons", billing_api.AddOnView.as_view(), name="billing-addons"),
    path("leads", contacts_api.LeadListView.as_view(), name="leads"),
    path("leads/<id:lead_id>", contacts_api.LeadDetailView.as_view(), name="lead-detail"),
    path("campaigns", campaigns_api.CampaignListView.as_view(), name="campaigns"),
    path("campaigns/<id:campaign_id>", campaigns_api.CampaignDetailView.as_view(), name="campaign-detail"),
    path(
        "campaigns/<id:campaign_id>/leads", campaigns_api.CampaignLeadsView.as_view(), name="campaign-leads"
    ),
    path(
        "campaigns/<id:campaign_id>/leads/remove",
        campaigns_api.CampaignLeadsRemoveView.as_view(),
        name="campaign-leads-remove",
    ),
    path("imports", imports_api.ImportListView.as_view(), name="imports"),
    path("imports/<id:job_id>", imports_api.ImportDetailView.as_view(), name="import-detail"),
    path("imports/<id:job_id>/errors.csv", imports_api.ImportErrorsView.as_view(), name="import-errors"),
    path("imports/<id:job_id>/cancel", imports_api.ImportCancelView.as_view(), name="import-cancel"),
    path("leadfinder/filters", leadfinder_api.FilterOptionsView.as_view(), name="leadfinder-filters"),
    path("leadfinder/prospects", leadfinder_api.ProspectListView.as_view(), name="leadfinder-prospects"),
    path("leadfinder/downloads", leadfinder_api.DownloadListView.as_view(), name="leadfinder-downloads"),
    path(
        "leadfinder/downloads/<id:download_id>",
        leadfinder_api.DownloadDetailView.as_view(),
        name="leadfinder-download-detail",
    ),
    path(
        "leadfinder/downloads/<id:download_id>/file.csv",
        leadfinder_api.DownloadFileView.as_view(),
        name="leadfinder-download-file",
    ),
]
