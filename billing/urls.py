from django.urls import path

from billing import views

urlpatterns = [
    path("settings/uploaded-contacts/", views.settings_uploaded_contacts, name="settings_uploaded_contacts"),
    path(
        "settings/uploaded-contacts/release-finished-leads/",
        views.set_release_finished_leads,
        name="billing_set_release_finished_leads",
    ),
    path("settings/billing/", views.settings_billing, name="settings_billing"),
    path("settings/billing/plan/<slug:code>/", views.change_plan, name="billing_change_plan"),
    path(
        "settings/billing/credit-packs/<slug:code>/buy/",
        views.buy_credit_pack,
        name="billing_buy_credit_pack",
    ),
    path("settings/billing/addons/<slug:code>/", views.set_addon, name="billing_set_addon"),
    path(
        "settings/members/<id:membership_id>/credit-cap/",
        views.member_credit_cap_set,
        name="member_credit_cap_set",
    ),
]
