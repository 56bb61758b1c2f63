"""Reads from a PostgreSQL replica, where a view asks for them and it is safe (docs/database.md, "Read
replica").

With ``DATABASE_REPLICA_URL`` set, the settings add the ``replica`` alias, this router and this middleware;
without it there is one alias and none of this runs. The rules:

- **Opt-in.** A read goes to the replica only inside ``reads_from_replica(workspace=…)``: the Lead Finder's
  searches and counts and the API's read-only lists use it (``WorkspaceAPIView.replica_reads``).
  Everything else reads the primary.
- **Locks, writes and transactions stay on the primary.** Every write and every ``select_for_update`` (so
  the quota lock) goes to the primary (Django routes them through ``db_for_write``), and so does every
  read while the primary's connection is inside ``transaction.atomic()``.
- **Read your writes** (the pinning of Mozilla's django-multidb-router, keyed by workspace rather than by
  cookie so that API clients get it too): a POST, PUT, PATCH or DELETE, and any request from its first
  write on, reads the primary only; and such a request pins its workspace to the primary for
  ``DATABASE_REPLICA_PIN_SECONDS`` (a cache key), so that the next requests of anyone in that workspace
  see what it wrote even while the replica lags. A cache that does not answer means the primary.
"""

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

logger = logging.getLogger(__name__)

REPLICA = "replica"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _Routing:
    """Where this request's (or block's) reads may go."""

    replica_reads: bool = False  # inside reads_from_replica(), for a workspace that is not pinned
    wrote: bool = False  # it wrote (or is a POST, PUT, PATCH, DELETE): the primary from now on


_routing: ContextVar[_Routing | None] = ContextVar("leadpool_database_routing", default=None)


def replica_configured() -> bool:
    """Whether the ``replica`` alias exists (the settings add it with ``DATABASE_REPLICA_URL``)."""
    return REPLICA in connections.settings


def _pin_key(workspace_id: int) -> str:
    return f"replica-pin:{workspace_id}"


def pin_workspace(workspace_id: int) -> None:
    """The workspace reads the primary for the next ``DATABASE_REPLICA_PIN_SECONDS``."""
    try:
        cache.set(_pin_key(workspace_id), True, settings.DATABASE_REPLICA_PIN_SECONDS)
    except Exception:
        logger.exception("Could not pin workspace %s to the primary database", workspace_id)


def workspace_pinned(workspace_id: int) -> bool:
    """Whether the workspace wrote within the pin's seconds; True when the cache does not answer."""
    try:
        return bool(cache.get(_pin_key(workspace_id)))
    except Exception:
        logger.exception("Could not read the replica pin of workspace %s; reading the primary", workspace_id)
        return True


@contextmanager
def reads_from_replica(*, workspace: Any) -> Iterator[None]:
    """Reads inside the block may go to the replica: for ``workspace``, unless it wrote within the pin's
    seconds, and never once the request or block has written or while a transaction is open."""
    if not replica_configured():
        yield
        return
    state = _routing.get()
    token = None
    if state is None:  # outside a request (a command, a test): the block is its own scope
        state = _Routing()
        token = _routing.set(state)
    before = state.replica_reads
    state.replica_reads = not workspace_pinned(workspace.pk)
    try:
        yield
    finally:
        state.replica_reads = before
        if token is not None:
            _routing.reset(token)


class ReplicaRouter:
    """``DATABASE_ROUTERS`` when a replica is configured: it chooses ``replica`` for reads the rules above
    allow, and names the primary for everything else (an object read from the replica saves to the
    primary, not to where it came from)."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        state = _routing.get()
        if (
            state is None
            or not state.replica_reads
            or state.wrote
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
        ):
            return DEFAULT_DB_ALIAS
        return REPLICA

    def db_for_write(self, model: Any, **hints: Any) -> str:
        state = _routing.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same rows on both

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # a replica follows its primary's schema


class ReadYourWritesMiddleware:
    """Gives each request its routing state, and pins the request's workspace to the primary after a
    request that wrote (see the module's docstring)."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        state = _Routing(wrote=request.method in UNSAFE_METHODS)
        token = _routing.set(state)
        try:
            return self.get_response(request)
        finally:
            _routing.reset(token)
            # The API's authentication sets the workspace during the view; the dashboard's before it.
            workspace = getattr(request, "workspace", None)
            if state.wrote and workspace is not None:
                pin_workspace(workspace.pk)
