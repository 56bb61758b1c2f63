from django.urls import path

from webhooks import views

urlpatterns = [
    path("settings/webhooks/", views.settings_webhooks, name="settings_webhooks"),
    path("settings/webhooks/<id:endpoint_id>/", views.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<id:endpoint_id>/test/", views.webhook_test, name="webhook_test"),
    path("settings/webhooks/<id:endpoint_id>/switch/", views.webhook_switch, name="webhook_switch"),
    path(
        "settings/webhooks/<id:endpoint_id>/roll-secret/",
        views.webhook_roll_secret,
        name="webhook_roll_secret",
    ),
    path("settings/webhooks/<id:endpoint_id>/delete/", views.webhook_delete, name="webhook_delete"),
    path(
        "settings/webhooks/<id:endpoint_id>/deliveries/<id:delivery_id>/redeliver/",
        views.webhook_redeliver,
        name="webhook_redeliver",
    ),
]
