"""A campaign's sequence as its contacts read it (rule 18): which variables a step may use, and a step
rendered for one contact (the preview). ``campaigns.services`` writes steps; the sender renders its own."""

from dataclasses import dataclass
from typing import cast

from django.conf import settings

from accounts.models import Workspace
from campaigns import extensions
from campaigns.models import Campaign, Enrollment
from campaigns.selectors import custom_field_names, steps_of
from campaigns.templating import (
    LEAD_VARIABLES,
    MESSAGE_VARIABLES,
    TemplateError,
    lead_values,
    render,
    variables_in,
)
from core.tenancy import TenantModel
from leads.models import Lead

# The preview shows where the unsubscribe link goes; the sender signs a real token per message.
EXAMPLE_UNSUBSCRIBE_PATH = "/u/example-token"
REPLY_PREFIX = "Re: "
KNOWN_VARIABLES = ", ".join(LEAD_VARIABLES + MESSAGE_VARIABLES)


def unknown_variable_errors(*, workspace: Workspace, texts: dict[str, str]) -> dict[str, list[str]]:
    """Per field of ``texts`` (e.g. subject, body), why its variables cannot be rendered: braces that make
    no variable, or a name that is neither a contact's field, a message's, nor a custom field of the
    workspace's contacts. Empty when every one is known."""
    errors: dict[str, list[str]] = {}
    names_of: dict[str, list[str]] = {}
    for field_name, text in texts.items():
        try:
            names_of[field_name] = [variable.name for variable in variables_in(text)]
        except TemplateError as exc:
            errors[field_name] = [str(exc)]
    standard = set(LEAD_VARIABLES) | set(MESSAGE_VARIABLES)
    if any(name not in standard for names in names_of.values() for name in names):
        known = standard | custom_field_names(workspace=workspace)
    else:
        known = standard
    for field_name, names in names_of.items():
        unknown = list(dict.fromkeys(name for name in names if name not in known))
        if unknown:
            errors[field_name] = [
                f"Unknown variable {{{{{name}}}}}: use one of {KNOWN_VARIABLES}, or a custom field name."
                for name in unknown
            ]
    return errors


def example_unsubscribe_url() -> str:
    return settings.SITE_URL.rstrip("/") + EXAMPLE_UNSUBSCRIBE_PATH


@dataclass(frozen=True)
class Sender:
    name: str = ""
    email: str = ""


def first_sender(*, workspace: Workspace, campaign: Campaign) -> Sender:
    """The campaign's first mailbox as the sender variables show it, or empty ones without a mailbox.

    Mailboxes are the sending app's (above this one): their ids come through the registered "mailboxes"
    field, the model through the enrollment's reference to it."""
    field = extensions.campaign_fields().get("mailboxes")
    mailbox_ids = list(field.read(campaign) or []) if field else []
    if not mailbox_ids:
        return Sender()
    mailbox_model = cast(type[TenantModel], Enrollment._meta.get_field("mailbox").related_model)
    mailbox = mailbox_model.objects.for_workspace(workspace).filter(pk=mailbox_ids[0]).first()
    if mailbox is None:
        return Sender()
    return Sender(name=getattr(mailbox, "from_name", ""), email=getattr(mailbox, "email", ""))


def preview(*, workspace: Workspace, campaign: Campaign, lead: Lead, position: int) -> dict[str, str] | None:
    """Step ``position`` rendered for ``lead`` as the sender would write it, or None without such a step."""
    steps = {step.position: step for step in steps_of(workspace=workspace, campaign=campaign)}
    step = steps.get(position)
    if step is None:
        return None
    sender = first_sender(workspace=workspace, campaign=campaign)
    values = {
        **lead_values(lead),
        "sender_name": sender.name,
        "sender_email": sender.email,
        "unsubscribe_url": example_unsubscribe_url(),
    }
    first_subject = render(steps[1].subject, values) if 1 in steps else ""
    subject = render(step.subject, values) if step.subject.strip() else REPLY_PREFIX + first_subject
    return {"subject": subject, "body": render(step.body, values)}
