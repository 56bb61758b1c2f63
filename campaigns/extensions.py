"""What apps above campaigns add to a campaign, without campaigns importing them.

The sending app owns mailboxes, yet a campaign's API answer shows which mailboxes it sends from, a PATCH
sets them, and a campaign may only start once it has one that is active. From its ``AppConfig.ready()``
it registers::

    register_campaign_field("mailboxes", field=..., read=..., write=...)
    register_start_check(check)

``field()`` makes the serializer field (the schema describes it), ``read(campaign)`` returns the value for
the answer, ``write(workspace=, campaign=, value=)`` stores a validated value (inside the caller's
transaction); ``check(workspace=, campaign=)`` returns why the campaign cannot start, or "".
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CampaignField:
    field: Callable[[], Any]
    read: Callable[[Any], Any]
    write: Callable[..., None]


_fields: dict[str, CampaignField] = {}
_start_checks: list[Callable[..., str]] = []


def register_campaign_field(name: str, *, field: Callable[[], Any], read, write) -> None:
    _fields[name] = CampaignField(field=field, read=read, write=write)


def campaign_fields() -> dict[str, CampaignField]:
    return dict(_fields)


def register_start_check(check: Callable[..., str]) -> None:
    if check not in _start_checks:
        _start_checks.append(check)


def start_checks() -> list[Callable[..., str]]:
    return list(_start_checks)
