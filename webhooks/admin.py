from django.contrib import admin

from webhooks.models import Delivery, Endpoint


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Support's view of an endpoint: its URL and events; the secret is never shown (rule 25). Support
    may switch one off (no new deliveries)."""

    list_display = ("url", "workspace", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("url",)
    exclude = ("secret_encrypted", "previous_secret_encrypted")
    readonly_fields = ("workspace", "url", "events", "previous_secret_until", "created_at")


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("endpoint", "event", "attempt", "state", "status_code", "attempted_at")
    list_filter = ("state",)
    readonly_fields = [field.name for field in Delivery._meta.fields]

    def has_add_permission(self, request):
        return False
