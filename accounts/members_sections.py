"""Sections that apps above accounts add to the Members page (Settings → Members).

Accounts must not import them, so they register a section here instead. The billing app calls, from its
``AppConfig.ready()``::

    register_members_section("credit_caps", template="billing/_member_credit_caps.html", context=…)

where ``context(request)`` returns the dictionary the template is rendered with, under the name
``section``. Sections appear below the members table in the order they were registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class MembersSection:
    template: str
    context: Callable[[Any], dict[str, Any]]


_sections: dict[str, MembersSection] = {}


def register_members_section(name, *, template, context):
    _sections[name] = MembersSection(template=template, context=context)


def members_sections(request):
    """The registered sections for ``request``, in the order of registration: [(template, context)]."""
    return [(section.template, section.context(request)) for section in _sections.values()]
