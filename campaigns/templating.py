"""Variables in a step's subject and body (rule 18): ``{{first_name}}``, ``{{company_name}}``, a custom
field by its name (``{{industry}}``), each with an optional fallback for a contact that has no value:
``{{first_name|there}}``. Spaces inside the braces are allowed. ``campaigns.services`` checks the names
when a step is saved; the sender renders with ``render``.
"""

import re
from dataclasses import dataclass

from leads.models import Lead

VARIABLE = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_ .-]*?)\s*(?:\|([^{}]*))?\}\}")
# What is left of "{{" or "}}" once every well-formed variable is taken out is a mistake to point at.
BRACES = re.compile(r"\{\{|\}\}")

LEAD_VARIABLES = (
    "email",
    "first_name",
    "last_name",
    "full_name",
    "company_name",
    "job_title",
    "phone",
    "website",
    "linkedin_url",
    "city",
    "country",
)
# Filled per message by the sender, not from the contact.
MESSAGE_VARIABLES = ("sender_name", "sender_email", "unsubscribe_url")


@dataclass(frozen=True)
class Variable:
    name: str
    fallback: str


class TemplateError(ValueError):
    pass


def variables_in(text: str) -> list[Variable]:
    """The variables of ``text`` in order; ``TemplateError`` for braces that open or close no variable."""
    leftover = VARIABLE.sub("", text)
    if BRACES.search(leftover):
        raise TemplateError(
            "Braces that do not make a variable: write variables as {{name}} or {{name|fallback}}."
        )
    return [Variable(match[1].strip(), (match[2] or "").strip()) for match in VARIABLE.finditer(text)]


def lead_values(lead: Lead) -> dict[str, str]:
    """A contact's values by variable name: its fields, then its custom fields (a field's name wins)."""
    values = {
        str(name): "" if value is None else str(value) for name, value in (lead.custom_fields or {}).items()
    }
    values.update({name: getattr(lead, name) or "" for name in LEAD_VARIABLES if name != "full_name"})
    values["full_name"] = lead.full_name
    return values


def render(text: str, values: dict[str, str]) -> str:
    """``text`` with each variable replaced by its value, or its fallback where the value is empty."""

    def replace(match: re.Match[str]) -> str:
        value = values.get(match[1].strip(), "")
        return value if value.strip() else (match[2] or "").strip()

    return VARIABLE.sub(replace, text)
