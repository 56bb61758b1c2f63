from django import forms

from sending.models import Mailbox
from sending.services import host_problem

PORT = {"min_value": 1, "max_value": 65535}


def _host(value):
    problem = host_problem(value)
    if problem:
        raise forms.ValidationError(problem)


class MailboxForm(forms.Form):
    """Connect or edit a mailbox. Password inputs are never filled in again: empty keeps the stored one."""

    email = forms.EmailField(max_length=254, label="Email address")
    from_name = forms.CharField(max_length=200, required=False, label="From name")
    smtp_host = forms.CharField(max_length=253, label="SMTP host", validators=[_host])
    smtp_port = forms.IntegerField(initial=587, label="SMTP port", **PORT)
    smtp_security = forms.ChoiceField(
        choices=Mailbox.Security.choices, initial=Mailbox.Security.STARTTLS, label="SMTP security"
    )
    smtp_username = forms.CharField(max_length=254, required=False, label="SMTP username")
    smtp_password = forms.CharField(
        required=False,
        max_length=1000,
        strip=False,
        label="SMTP password",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    imap_host = forms.CharField(
        max_length=253,
        required=False,
        label="IMAP host",
        validators=[_host],
        help_text="Where replies and bounces are read. Empty: they are not read.",
    )
    imap_port = forms.IntegerField(initial=993, label="IMAP port", **PORT)
    imap_security = forms.ChoiceField(
        choices=Mailbox.Security.choices, initial=Mailbox.Security.SSL, label="IMAP security"
    )
    imap_username = forms.CharField(
        max_length=254, required=False, label="IMAP username", help_text="Empty: the email address."
    )
    imap_password = forms.CharField(
        required=False,
        max_length=1000,
        strip=False,
        label="IMAP password",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )
    daily_limit = forms.IntegerField(
        initial=30, min_value=1, max_value=10_000, label="Daily limit", help_text="Messages per UTC day."
    )
    min_interval_seconds = forms.IntegerField(
        initial=60, min_value=0, max_value=86_400, label="Seconds between sends"
    )

    def __init__(self, *args, mailbox=None, **kwargs):
        if mailbox is not None:
            kwargs.setdefault(
                "initial",
                {name: getattr(mailbox, name) for name in self.base_fields if "password" not in name},
            )
        super().__init__(*args, **kwargs)
        if mailbox is not None:
            for name in ("smtp_password", "imap_password"):
                self.fields[name].help_text = "Leave empty to keep the stored one."


class MailboxStatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(Mailbox.Status.ACTIVE, "Active"), (Mailbox.Status.PAUSED, "Paused")])


class CampaignMailboxesForm(forms.Form):
    """The mailboxes ticked among ``mailboxes`` (the workspace's)."""

    mailboxes = forms.TypedMultipleChoiceField(
        coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, mailboxes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mailboxes"].choices = [(mailbox.pk, mailbox.email) for mailbox in mailboxes]
