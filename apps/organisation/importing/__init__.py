"""Bulk import of a directory (entities, people, reporting lines, role assignments): docs/import.md."""
