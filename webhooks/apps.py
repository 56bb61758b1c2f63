from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        from core.events import register_event_listener
        from core.secrets import register_stored
        from webhooks.models import Endpoint
        from webhooks.tasks import dispatch_soon

        register_event_listener(dispatch_soon)
        register_stored(Endpoint, "secret_encrypted", "previous_secret_encrypted")
