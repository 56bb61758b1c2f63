from django.contrib import admin

from sending.models import Mailbox
from sending.services import CONNECTION_FIELDS


@admin.register(Mailbox)
class MailboxAdmin(admin.ModelAdmin):
    """Support's view of a mailbox: its settings and state; its passwords are never shown (rule 25)."""

    list_display = ("email", "workspace", "status", "smtp_host", "daily_limit", "created_at")
    list_filter = ("status",)
    search_fields = ("email", "smtp_host")
    exclude = ("smtp_password_encrypted", "imap_password_encrypted")
    # Connection settings change through the dashboard or the API, whose services check them; support may
    # pause a mailbox or lower its limits here.
    readonly_fields = (
        "workspace",
        "from_name",
        *CONNECTION_FIELDS,
        "last_error",
        "available_at",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request):
        return Mailbox.all_workspaces.select_related("workspace")

    def has_add_permission(self, request):
        # A mailbox needs its passwords, which only the dashboard and the API take.
        return False
