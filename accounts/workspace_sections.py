"""Sections and settings that apps above accounts add to ``/api/v1/workspace``.

Accounts must not import them, so they register here instead. The billing app calls, from its
``AppConfig.ready()``::

    register_workspace_section("usage", field=UsageSerializer, read=usage_of_workspace)
    register_workspace_setting(
        "release_finished_leads",
        field=lambda: serializers.BooleanField(help_text=...),
        read=lambda workspace: ...,
        write=release_finished_leads_set,
        role=Role.OWNER,
    )

A section is read-only: ``field()`` makes the serializer field it is shown with (the schema describes it
too) and ``read(workspace)`` returns its data. A setting is also writable by PATCH: ``write(workspace=…,
value=…)`` changes it (a service, in the request's transaction), and only members with ``role`` or a
higher one may send it. Both appear in the answer in the order they were registered.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WorkspaceSection:
    field: Callable[[], Any]
    read: Callable[[Any], Any]


@dataclass(frozen=True)
class WorkspaceSetting:
    field: Callable[[], Any]
    read: Callable[[Any], Any]
    write: Callable[..., Any]
    role: str


_sections: dict[str, WorkspaceSection] = {}
_settings: dict[str, WorkspaceSetting] = {}


def register_workspace_section(name, *, field, read):
    _sections[name] = WorkspaceSection(field=field, read=read)


def workspace_sections():
    """The registered sections, by name, in the order of registration."""
    return dict(_sections)


def register_workspace_setting(name, *, field, read, write, role):
    _settings[name] = WorkspaceSetting(field=field, read=read, write=write, role=role)


def workspace_settings():
    """The registered settings, by name, in the order of registration."""
    return dict(_settings)
