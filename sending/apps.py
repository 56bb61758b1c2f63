from django.apps import AppConfig


class SendingConfig(AppConfig):
    name = "sending"

    def ready(self):
        from django.core import checks
        from rest_framework import serializers

        from campaigns.extensions import register_campaign_field, register_start_check
        from core.secrets import register_stored
        from sending import checks as sending_checks
        from sending import selectors, services
        from sending.models import Mailbox

        checks.register(sending_checks.secret_keys, checks.Tags.security, deploy=True)
        register_stored(Mailbox, "smtp_password_encrypted", "imap_password_encrypted")
        register_campaign_field(
            "mailboxes",
            field=lambda: serializers.ListField(
                child=serializers.IntegerField(min_value=1),
                required=False,
                max_length=1000,
                help_text="The ids of the mailboxes the campaign sends from; its leads are spread over them.",
            ),
            read=selectors.campaign_mailbox_ids,
            write=lambda *, workspace, campaign, value: services.campaign_mailboxes_set(
                workspace=workspace, campaign=campaign, mailbox_ids=value
            ),
        )
        register_start_check(selectors.campaign_start_problem)
