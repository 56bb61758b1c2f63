from django.urls import path

from billing import api

urlpatterns = [
    path("usage", api.UsageView.as_view(), name="usage"),
    path("billing/plans", api.PlanListView.as_view(), name="billing-plans"),
    path("billing/subscription", api.SubscriptionView.as_view(), name="billing-subscription"),
    path("billing/ledger", api.LedgerView.as_view(), name="billing-ledger"),
    path("billing/credit-packs", api.CreditPackView.as_view(), name="billing-credit-packs"),
    path("billing/addons", api.AddOnView.as_view(), name="billing-addons"),
    path("billing/credit-caps", api.MemberCreditCapListView.as_view(), name="billing-credit-caps"),
    path("billing/credit-caps/<id:member_id>", api.MemberCreditCapView.as_view(), name="billing-credit-cap"),
]
