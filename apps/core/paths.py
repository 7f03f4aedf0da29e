"""Database-kept materialised paths (entities, reporting lines, roles): docs/organisation.md.

A model using `MaterialisedPathMixin` has a `<parent>` foreign key to itself, a `<parent>_path`
column the mixin fills from the parent's current path on save, and a generated `<path>` column
(`COALESCE(<parent>_path, '/') || id || '/'`). A composite foreign key
(<parent>_id, <parent>_path) -> (id, <path>) ON UPDATE CASCADE, added by SQL in the app's migration,
keeps every row's parent path equal to its parent's path (moves rewrite the subtree), and a check
refuses a parent path that contains the row itself (no cycles).
"""

from typing import Any, ClassVar

from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Cast, Coalesce, Concat


def path_expression(parent_path_field: str) -> Any:
    """`COALESCE(<parent path>, '/') || id::text || '/'` — the generated path column."""
    return Concat(
        Coalesce(F(parent_path_field), Value("/", output_field=models.TextField())),
        Cast(F("id"), output_field=models.TextField()),
        Value("/", output_field=models.TextField()),
        output_field=models.TextField(),
    )


def path_ids(path: str) -> list[int]:
    """The ids in a materialised path, root first: "/1/5/9/" -> [1, 5, 9]."""
    return [int(part) for part in path.strip("/").split("/") if part]


class MaterialisedPathMixin(models.Model):
    """Fills `<parent>_path` on save and reads back the generated path the database recomputed."""

    path_parent_field: ClassVar[str] = "parent"
    path_field: ClassVar[str] = "path"

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        parent, parent_path, path = self.path_parent_field, f"{self.path_parent_field}_path", self.path_field
        manager = type(self)._default_manager
        parent_id = getattr(self, f"{parent}_id")
        # The parent's current path, read fresh: a stale one is refused by the composite foreign key.
        setattr(self, parent_path, manager.values_list(path, flat=True).get(pk=parent_id) if parent_id else None)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and parent in update_fields:
            kwargs["update_fields"] = {*update_fields, parent_path}
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding:
            # The generated path (and, by cascade, the subtree's) is recomputed by the database.
            setattr(self, path, manager.values_list(path, flat=True).get(pk=self.pk))
