"""The Lead Finder for operators, read only: prospects change through ``load_prospects`` (which cleans
them), downloads and ownerships only through leadfinder.services, with the credits they cost."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin
from leadfinder.models import Download, Ownership, Prospect


@admin.register(Prospect)
class ProspectAdmin(ReadOnlyAdmin):
    list_display = ["email", "first_name", "last_name", "job_title", "company_name", "country"]
    list_filter = ["seniority", "department", "company_size", "country"]
    search_fields = ["=email", "last_name", "company_name"]
    # A million rows: no "1,000,000 total" count on every page.
    show_full_result_count = False


@admin.register(Download)
class DownloadAdmin(ReadOnlyAdmin):
    list_display = ["workspace", "created_at", "requested", "charged", "already_owned", "skipped_no_email"]
    search_fields = ["workspace__name", "workspace__slug"]


@admin.register(Ownership)
class OwnershipAdmin(ReadOnlyAdmin):
    list_display = ["workspace", "prospect", "lead", "created_at"]
    search_fields = ["workspace__slug", "prospect__email"]
    list_select_related = ["workspace", "prospect", "lead"]
