from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"

    def ready(self):
        from core.events import register_event_listener
        from webhooks.tasks import dispatch_soon

        register_event_listener(dispatch_soon)
