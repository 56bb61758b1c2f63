from django.apps import AppConfig


class CampaignsConfig(AppConfig):
    name = "campaigns"

    def ready(self):
        from billing.quota_sources import register_active_leads_counter, register_finished_leads_counter
        from campaigns.selectors import active_leads_used_by_enrollments, finished_leads_kept

        register_active_leads_counter(active_leads_used_by_enrollments)
        register_finished_leads_counter(finished_leads_kept)
