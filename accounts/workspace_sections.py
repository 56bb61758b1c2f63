"""Sections that apps above accounts add to the answer of ``/api/v1/workspace``.

Accounts must not import them, so they register a section here instead. The billing app calls, from its
``AppConfig.ready()``::

    register_workspace_section("usage", field=UsageSerializer, read=usage_of_workspace)

where ``field()`` makes the serializer field the section is shown with (the schema describes it too) and
``read(workspace)`` returns its data. Sections appear in the answer in the order they were registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorkspaceSection:
    field: Callable[[], Any]
    read: Callable[[Any], Any]


_sections: dict[str, WorkspaceSection] = {}


def register_workspace_section(name, *, field, read):
    _sections[name] = WorkspaceSection(field=field, read=read)


def workspace_sections():
    """The registered sections, by name, in the order of registration."""
    return dict(_sections)
