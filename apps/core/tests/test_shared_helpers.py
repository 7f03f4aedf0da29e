"""Small shared helpers: the acting person, a tenant file's path, the listed-only admin inline."""

from types import SimpleNamespace

from django.contrib import admin
from django.db import connection

from apps.core.actors import acting_person
from apps.core.admin_mixins import ListedInlineMixin
from apps.core.storage import tenant_file_path


def test_acting_person_is_a_user_not_a_key_or_nobody():
    person = SimpleNamespace(pk=1)
    assert acting_person(person) is person
    assert acting_person(SimpleNamespace(pk=2, is_service_principal=True)) is None
    assert acting_person(SimpleNamespace(pk=None)) is None
    assert acting_person(None) is None


def test_tenant_file_path_names_the_schema(monkeypatch):
    monkeypatch.setattr(connection, "schema_name", "acme", raising=False)
    assert tenant_file_path("forms", 12, filename="photos-x.jpg") == "forms/acme/12/photos-x.jpg"
    assert tenant_file_path("reports", "2026/03/02", filename="r.csv") == "reports/acme/2026/03/02/r.csv"


def test_listed_inline_adds_and_removes_nothing():
    class Inline(ListedInlineMixin, admin.TabularInline):
        pass

    inline = Inline.__new__(Inline)
    assert Inline.extra == 0
    assert not inline.has_add_permission(None) and not inline.has_delete_permission(None)
