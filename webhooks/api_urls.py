from django.urls import path

from webhooks import api

urlpatterns = [
    path("webhooks", api.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/<id:endpoint_id>", api.WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<id:endpoint_id>/test", api.WebhookTestView.as_view(), name="webhook-test"),
    path(
        "webhooks/<id:endpoint_id>/roll-secret",
        api.WebhookSecretRollView.as_view(),
        name="webhook-roll-secret",
    ),
    path(
        "webhooks/<id:endpoint_id>/deliveries", api.WebhookDeliveriesView.as_view(), name="webhook-deliveries"
    ),
    path(
        "webhooks/<id:endpoint_id>/deliveries/<id:delivery_id>/redeliver",
        api.WebhookRedeliverView.as_view(),
        name="webhook-redeliver",
    ),
]
