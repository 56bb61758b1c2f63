"""Tenant scoping that fails loudly.

Every tenant-owned model inherits ``TenantModel``. Its ``objects`` manager answers only
``for_workspace(workspace)`` and the explicit escape hatch ``unscoped()``; anything else
(``objects.all()``, ``objects.get(pk=...)``, ``objects.filter(...)``) raises ``UnscopedQueryError``,
so a query that forgot its workspace breaks in the first test that runs it.
"""

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models
from django.http import Http404

_Row = TypeVar("_Row", bound="TenantModel")


class UnscopedQueryError(RuntimeError):
    pass


class TenantQuerySet(models.QuerySet[_Row]):
    pass


class ScopedManager[Row: TenantModel, Scoped: TenantQuerySet[Any]](models.Manager[Row]):
    """The scoped doors, answering with ``Scoped``, the model's queryset class.

    Models use ``TenantManager``. One with its own queryset class names both in a subclass,
    ``ScopedManager[Model, ModelQuerySet]``: django-stubs fills a generic manager's first parameter only.
    """

    _queryset_class: type[Scoped]

    def get_queryset(self) -> TenantQuerySet[Row]:
        raise UnscopedQueryError(
            f"{self.model.__name__}.objects must be scoped: use for_workspace(workspace) or unscoped()."
        )

    def for_workspace(self, workspace: models.Model) -> Scoped:
        if workspace is None:
            raise UnscopedQueryError(f"{self.model.__name__}.objects.for_workspace() needs a workspace.")
        return self._queryset_class(self.model, using=self._db).filter(workspace=workspace)

    def unscoped(self) -> Scoped:
        """Every workspace's rows. Only for code whose job crosses workspaces (auth by API key, audits)."""
        return self._queryset_class(self.model, using=self._db)

    def get_for_workspace_or_404(self, workspace: models.Model, pk: object) -> Row:
        """The one door from a client-supplied id to an object: another workspace's id is a 404."""
        try:
            return self.for_workspace(workspace).get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError) as exc:
            raise Http404(f"No {self.model._meta.verbose_name} with that id.") from exc

    def create(self, **kwargs: Any) -> Row:
        if kwargs.get("workspace") is None and kwargs.get("workspace_id") is None:
            raise UnscopedQueryError(f"{self.model.__name__} needs a workspace.")
        return self.unscoped().create(**kwargs)

    def bulk_create(self, objs: Iterable[Row], *args: Any, **kwargs: Any) -> list[Row]:
        objs = list(objs)
        if any(obj.workspace_id is None for obj in objs):
            raise UnscopedQueryError(f"Every {self.model.__name__} needs a workspace.")
        return self.unscoped().bulk_create(objs, *args, **kwargs)


class TenantManager(ScopedManager[_Row, TenantQuerySet[_Row]]):
    _queryset_class: type[TenantQuerySet[_Row]] = TenantQuerySet


class TenantModel(models.Model):
    """A row that belongs to one workspace (rule 15)."""

    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")

    # Django's own machinery (admin, unique validation, deletion) uses the first manager, which is
    # deliberately not the one application code reaches for.
    all_workspaces = models.Manager()
    objects = TenantManager()

    class Meta:
        abstract = True
